#include "schema/column.h"

#include <gtest/gtest.h>

#include "schema/array_codec.h"

namespace quiver::schema {
namespace {

TEST(ColumnTest, FixedVariableAndNullableColumns) {
  ColumnBuilder ints(DataType::kInt16, 0, DataType::kNone, /*nullable=*/true);
  ints.AppendInt(5);
  ints.AppendNull();
  ints.AppendInt(-7);
  auto int_col = ints.Build();
  EXPECT_EQ(int_col->rows, 3u);
  EXPECT_EQ(int_col->IntAt(0), 5);
  EXPECT_FALSE(int_col->IsValid(1));
  EXPECT_EQ(int_col->IntAt(2), -7);

  ColumnBuilder strings(DataType::kVarChar);
  strings.AppendBytes("alpha");
  strings.AppendBytes("");
  strings.AppendBytes("gamma");
  auto str_col = strings.Build();
  EXPECT_EQ(str_col->VarAt(0), "alpha");
  EXPECT_EQ(str_col->VarAt(1), "");
  EXPECT_EQ(str_col->VarAt(2), "gamma");

  ColumnBuilder vectors(DataType::kFloatVector, 2);
  float v[4] = {1, 2, 3, 4};
  vectors.AppendRawFixed(std::string_view(reinterpret_cast<const char*>(v), 16), 2);
  auto vec_col = vectors.Build();
  EXPECT_EQ(vec_col->rows, 2u);
  EXPECT_EQ(reinterpret_cast<const float*>(vec_col->RowAt(1))[1], 4.0f);
}

TEST(ColumnTest, ConcatPreservesEveryRow) {
  auto make = [](int start) {
    auto chunk = std::make_shared<DataChunk>();
    ColumnBuilder ids(DataType::kInt64);
    ColumnBuilder names(DataType::kVarChar, 0, DataType::kNone, true);
    for (int i = start; i < start + 3; ++i) {
      ids.AppendInt(i);
      if (i % 2) names.AppendBytes("n" + std::to_string(i));
      else names.AppendNull();
    }
    chunk->rows = 3;
    chunk->columns.emplace_back(100, ids.Build());
    chunk->columns.emplace_back(101, names.Build());
    return std::shared_ptr<const DataChunk>(chunk);
  };
  auto merged = ConcatChunks({make(0), make(3), make(6)});
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ((*merged)->rows, 9u);
  const ColumnChunk* ids = (*merged)->Find(100);
  const ColumnChunk* names = (*merged)->Find(101);
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(ids->IntAt(i), static_cast<int64_t>(i));
    EXPECT_EQ(names->IsValid(i), i % 2 == 1);
    if (i % 2) {
      EXPECT_EQ(names->VarAt(i), "n" + std::to_string(i));
    }
  }
}

TEST(ArrayCodecTest, RoundTripsEachElementType) {
  std::string out;
  ASSERT_TRUE(EncodeArray(DataType::kVarChar, {std::string("a"), std::string("bc")}, &out).ok());
  auto strings = DecodeArray(DataType::kVarChar, out);
  ASSERT_TRUE(strings.ok());
  EXPECT_EQ(std::get<std::string>((*strings)[1]), "bc");
  EXPECT_EQ(ArrayLength(out), 2u);
  out.clear();
  ASSERT_TRUE(EncodeArray(DataType::kInt32, {int64_t{1}, int64_t{-2}}, &out).ok());
  EXPECT_EQ(std::get<int64_t>((*DecodeArray(DataType::kInt32, out))[1]), -2);
  out.clear();
  ASSERT_TRUE(EncodeArray(DataType::kDouble, {1.5, int64_t{2}}, &out).ok());
  EXPECT_EQ(std::get<double>((*DecodeArray(DataType::kDouble, out))[1]), 2.0);
  EXPECT_FALSE(EncodeArray(DataType::kBool, {int64_t{1}}, &out).ok());
  EXPECT_FALSE(DecodeArray(DataType::kVarChar, "\x05" "ab").ok());
}

}  // namespace
}  // namespace quiver::schema

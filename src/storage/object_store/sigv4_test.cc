#include "storage/object_store/sigv4.h"

#include <gtest/gtest.h>

#include "common/secrets.h"

namespace quiver::storage {
namespace {

const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// aws-sig-v4-test-suite "get-vanilla" (the generic vector: service "service", no payload header).
TEST(SigV4Test, AwsSuiteGetVanilla) {
  SigV4Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  SigV4Request request{"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                       kEmptyHash};
  EXPECT_EQ(HexEncode(Sha256(CanonicalRequest(request))),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SignatureV4(creds, "us-east-1", "service", "20150830T123600Z", request),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(AuthorizationV4(creds, "us-east-1", "service", "20150830T123600Z", request),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// The four examples of AWS's "Signature Calculations for the Authorization Header" (S3).
class SigV4S3ExamplesTest : public ::testing::Test {
 protected:
  std::string Sign(const SigV4Request& request) {
    return SignatureV4(creds_, "us-east-1", "s3", "20130524T000000Z", request);
  }
  SigV4Credentials creds_{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  std::vector<std::pair<std::string, std::string>> base_{{"Host", "examplebucket.s3.amazonaws.com"},
                                                         {"x-amz-date", "20130524T000000Z"},
                                                         {"x-amz-content-sha256", kEmptyHash}};
};

TEST_F(SigV4S3ExamplesTest, GetObjectWithRange) {
  SigV4Request request{"GET", "/test.txt", {}, base_, kEmptyHash};
  request.headers.emplace_back("Range", "bytes=0-9");
  EXPECT_EQ(SignedHeaders(request), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(HexEncode(Sha256(CanonicalRequest(request))),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Sign(request), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_F(SigV4S3ExamplesTest, PutObjectEncodesTheKeyAndSignsThePayload) {
  std::string body = "Welcome to Amazon S3.";
  std::string hash = HexEncode(Sha256(body));
  ASSERT_EQ(hash.substr(0, 8), "44ce7dd6");
  ASSERT_EQ(hash.substr(hash.size() - 10), "b803f8b072");
  SigV4Request request{"PUT", "/" + UriEncode("test$file.text", false), {}, {}, hash};
  EXPECT_EQ(request.canonical_uri, "/test%24file.text");
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", hash}};
  EXPECT_EQ(SignedHeaders(request), "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(Sign(request), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_F(SigV4S3ExamplesTest, ValuelessQueryParameter) {
  SigV4Request request{"GET", "/", {{"lifecycle", ""}}, base_, kEmptyHash};
  EXPECT_EQ(CanonicalQuery(request.query), "lifecycle=");
  EXPECT_EQ(Sign(request), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_F(SigV4S3ExamplesTest, QueryIsSorted) {
  SigV4Request request{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, base_, kEmptyHash};
  EXPECT_EQ(CanonicalQuery(request.query), "max-keys=2&prefix=J");
  EXPECT_EQ(Sign(request), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, UriEncodingAndHeaderCanonicalForm) {
  EXPECT_EQ(UriEncode("a b/c+d=e~f_g.h-i", false), "a%20b/c%2Bd%3De~f_g.h-i");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(CanonicalQuery({{"continuation-token", "1/ab+c=="}, {"list-type", "2"}}),
            "continuation-token=1%2Fab%2Bc%3D%3D&list-type=2");
  SigV4Request request{"GET", "/k", {}, {{"X-Amz-Meta-A", "  one   two  "}, {"host", "h"}}, kEmptyHash};
  EXPECT_EQ(CanonicalRequest(request), "GET\n/k\n\nhost:h\nx-amz-meta-a:one two\n\nhost;x-amz-meta-a\n" + kEmptyHash);
  EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z");
}

}  // namespace
}  // namespace quiver::storage

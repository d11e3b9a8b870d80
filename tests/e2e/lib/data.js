'use strict';
// Deterministic data helpers for the end-to-end tests.
// mulberry32: full 2^32 period. (An LCG computed in doubles loses its low bits once products
// pass 2^53 and repeats after a few hundred values, planting duplicate rows.)
let state = 7;
function rnd() {
  state = (state + 0x6D2B79F5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function vec(dim) { return Array.from({ length: dim }, () => rnd() * 2 - 1); }
function l2(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2; return s; }
function ip(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
function cosine(a, b) { return ip(a, b) / Math.sqrt(ip(a, a) * ip(b, b)); }
const ok = s => s && (s.error_code === 'Success' || s.error_code === 0);
module.exports = { rnd, vec, l2, ip, cosine, ok };

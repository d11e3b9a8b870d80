'use strict';
// Deterministic data helpers for the end-to-end tests.
let seed = 7;
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
function vec(dim) { return Array.from({ length: dim }, () => rnd() * 2 - 1); }
function l2(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2; return s; }
function ip(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
function cosine(a, b) { return ip(a, b) / Math.sqrt(ip(a, a) * ip(b, b)); }
const ok = s => s && (s.error_code === 'Success' || s.error_code === 0);
module.exports = { rnd, vec, l2, ip, cosine, ok };

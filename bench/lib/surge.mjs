// The deadline's last minute: N submits of N different drafts sent at once, each on its own
// connection and session. Prints RESULT {"n","ok","errors","all_acknowledged_ms","p50_ms","p99_ms"}.
//   node bench/lib/surge.mjs BASE_URL DATA.lua N
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [base, dataFile, nArg] = process.argv.slice(2);
const n = Number(nArg);
// Parse the Lua data file written by seed.mjs: {"token","csrf",{"id",...}},
const jobs = [];
for (const line of readFileSync(dataFile, 'utf8').split('\n')) {
  const m = /^\{"([^"]+)","([^"]+)",\{(.*)\}\},$/.exec(line);
  if (!m || !m[3]) continue;
  const ids = m[3].split(',').map((s) => s.replace(/"/g, ''));
  jobs.push({ token: m[1], csrf: m[2], id: ids[ids.length - 1] });  // the account's last draft
}
const chosen = jobs.slice(-n);
if (chosen.length < n) throw new Error(`only ${chosen.length} drafts available`);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const t0 = performance.now();
const times = [];
let ok = 0, errors = 0;
await Promise.all(chosen.map((j) => new Promise((resolve) => {
  const start = performance.now();
  const req = http.request({
    host: url.hostname, port: url.port, method: 'POST', agent,
    path: `/api/v1/submissions/${j.id}/submit`,
    headers: { Cookie: `laurel_session=${j.token}`, 'X-CSRF-Token': j.csrf, 'Content-Type': 'application/json', 'Content-Length': 2 },
  }, (res) => {
    res.resume();
    res.on('end', () => { times.push(performance.now() - start); if (res.statusCode === 200) ok++; else errors++; resolve(); });
  });
  req.on('error', () => { errors++; resolve(); });
  req.end('{}');
})));
const all = performance.now() - t0;
times.sort((a, b) => a - b);
const pct = (p) => times.length ? times[Math.min(times.length - 1, Math.floor(p / 100 * times.length))] : 0;
console.log('RESULT ' + JSON.stringify({ n, ok, errors, all_acknowledged_ms: Math.round(all), p50_ms: Math.round(pct(50)), p99_ms: Math.round(pct(99)) }));

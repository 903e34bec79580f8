// Writes SQL (to stdout) that fills a migrated Laurel database with a deadline-night population:
// ORGS applicant organisations (each with a session whose token the load scripts use) and ENTRIES
// entries across both WIC calls, with Chinese and English texts of 500–3,000 characters.
// Also writes the load scripts' data (accounts and entry ids) as a Lua file.
//   node bench/lib/seed.mjs ORGS ENTRIES LUA_OUT > seed.sql
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [orgs, entries, luaOut] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];
const between = (a, b) => a + Math.floor(rand() * (b - a + 1));

const zhWords = '网络 空间 命运 共同体 数字 经济 创新 发展 技术 应用 平台 国际 合作 安全 保障 治理 基础 设施 研究 成果 人工 智能 数据 互联网 标准 开放 共享 服务 产业 协同 算力 通信 卫星 海缆 教育 文化 交流 惠及 多国 用户 部署 实施 评估 效益'.split(' ');
const enWords = 'network cyberspace shared future digital economy innovation development technology application platform international cooperation security governance infrastructure research result artificial intelligence data internet standard open sharing service industry computing communication satellite cable education culture exchange benefit countries users deployed measured impact'.split(' ');
function zhText(n) { let s = ''; while (s.length < n) s += pick(zhWords) + (rand() < 0.1 ? '。' : '，'); return s.slice(0, n - 1) + '。'; }
function enText(n) { let s = ''; while (s.length < n) s += pick(enWords) + (rand() < 0.08 ? '. ' : ' '); return s.slice(0, n - 1) + '.'; }
const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

const calls = [
  { slug: 'leading-tech-2025', cats: { 'basic-research': ['originality', 'scientific-value', 'international-recognition'], 'key-technology': ['technical-innovation', 'application-benefits', 'industry-progress'], 'engineering-rd': ['first-of-its-kind', 'advancement', 'application-benefits'] }, types: ['university', 'enterprise', 'research-institution'] },
  { slug: 'practice-cases-2025', cats: Object.fromEntries(['network-infrastructure', 'cultural-exchange', 'digital-economy', 'cybersecurity', 'cyberspace-governance'].map((c) => [c, ['concept-fit', 'international-impact', 'inclusiveness', 'presentation']])), types: ['university', 'enterprise', 'research-institution'] },
];
const countries = ['CN', 'KE', 'BR', 'DE', 'FR', 'ID', 'EG', 'RU', 'ZA', 'TH', 'MY', 'PK', 'SA', 'AE', 'GB', 'US'];
const now = Math.floor(Date.now() / 1000);

const out = [];
const w = (s) => out.push(s);
w('PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL; BEGIN;');
const accounts = [];
for (let i = 0; i < orgs; i++) {
  const id = 'benchuser' + String(i).padStart(6, '0');
  const token = 'bench-session-' + i + '-' + sha256('t' + i).slice(0, 24);
  const csrf = 'bench-csrf-' + sha256('c' + i).slice(0, 32);
  accounts.push({ token, csrf, entries: [] });
  w(`INSERT INTO users (id,email,password_hash,role,contact_name,phone,org_name_zh,org_name_en,org_type,country,overseas,created_at) SELECT ${q(id)},${q(`org${i}@bench.example`)},password_hash,'applicant','联系人 ${i}','+86 10 5555 ${String(i % 10000).padStart(4, '0')}','测试单位 ${i}','Bench Organisation ${i}','university','CN',0,${now} FROM users WHERE email='template@bench.example';`);
  w(`INSERT INTO sessions (token_hash,user_id,csrf_token,created_at,expires_at) VALUES (${q(sha256(token))},${q(id)},${q(csrf)},${now},${now + 30 * 86400});`);
}
const counters = {};
for (let e = 0; e < entries; e++) {
  const owner = e % orgs;
  const call = calls[e % 2];
  const cat = pick(Object.keys(call.cats));
  const id = 'bench' + String(e).padStart(7, '0');
  const criteria = {};
  for (const c of call.cats[cat]) criteria[c] = rand() < 0.5 ? zhText(between(500, 3000)) : enText(between(500, 3000));
  const fields = {
    title_zh: zhText(between(12, 40)), title_en: enText(between(30, 90)),
    summary_zh: zhText(between(500, 3000)), summary_en: enText(between(500, 3000)),
    criteria, organizations: [`测试单位 ${owner}`, 'Partner University'],
    started_on: '', countries: [], form: '',
  };
  if (call.slug === 'practice-cases-2025') Object.assign(fields, { started_on: '2019-05-01', countries: ['CN', pick(countries.slice(1))], form: 'project' });
  // A third already submitted (with receipts), the rest drafts waiting for the night.
  const submitted = e % 3 === 0;
  let receipt = 'NULL';
  if (submitted) {
    const prefix = call.slug === 'leading-tech-2025' ? 'LT25' : 'PC25';
    const code = { 'basic-research': 'BR', 'key-technology': 'KT', 'engineering-rd': 'ER', 'network-infrastructure': 'NI', 'cultural-exchange': 'CE', 'digital-economy': 'DE', cybersecurity: 'CS', 'cyberspace-governance': 'CG' }[cat];
    const k = prefix + '|' + code;
    counters[k] = (counters[k] || 0) + 1;
    receipt = q(`${prefix}-${code}-${String(counters[k]).padStart(4, '0')}`);
  } else {
    accounts[owner].entries.push(id);
  }
  w(`INSERT INTO submissions (id,call_slug,category,owner_id,status,receipt,title_zh,title_en,version,created_at,updated_at,submitted_at) VALUES (${q(id)},${q(call.slug)},${q(cat)},${q('benchuser' + String(owner).padStart(6, '0'))},${submitted ? "'submitted'" : "'draft'"},${receipt},${q(fields.title_zh)},${q(fields.title_en)},1,${now},${now},${submitted ? now : 'NULL'});`);
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'criteria') { for (const [slug, s] of Object.entries(v)) w(`INSERT INTO submission_fields (submission_id,key,value) VALUES (${q(id)},${q('criteria.' + slug)},${q(JSON.stringify(s))});`); continue; }
    if (v === '' || (Array.isArray(v) && !v.length)) continue;
    w(`INSERT INTO submission_fields (submission_id,key,value) VALUES (${q(id)},${q(k)},${q(JSON.stringify(v))});`);
  }
  // Materials metadata (the bytes are not needed to serve pages or to submit): what the call
  // requires plus a few optional files — award: 1–4 documents, sometimes images; case: 1–6
  // images, 1–2 videos, sometimes a document.
  const kinds = call.slug === 'leading-tech-2025'
    ? [['document', between(1, 4), 'application/pdf', 'pdf'], ['image', rand() < 0.4 ? between(1, 3) : 0, 'image/jpeg', 'jpg']]
    : [['image', between(1, 6), 'image/jpeg', 'jpg'], ['video', between(1, 2), 'video/mp4', 'mp4'], ['document', rand() < 0.3 ? 1 : 0, 'application/pdf', 'pdf']];
  let pos = 0;
  for (const [kind, n, type, ext] of kinds) {
    for (let i = 0; i < n; i++) {
      pos++;
      const mid = id + 'm' + pos;
      const size = kind === 'video' ? between(50e6, 900e6) : kind === 'image' ? between(300e3, 8e6) : between(200e3, 20e6);
      const dims = kind === 'document' ? 'NULL,NULL' : kind === 'image' ? '4000,3000' : '1920,1080';
      w(`INSERT INTO materials (id,submission_id,owner_id,kind,filename,size,sha256,content_type,status,caption_zh,caption_en,position,width,height,duration,created_at) VALUES (${q(mid)},${q(id)},${q('benchuser' + String(owner).padStart(6, '0'))},${q(kind)},${q(`${kind}-${pos}.${ext}`)},${size},${q(sha256(mid))},${q(type)},'ready',${q(zhText(between(8, 30)))},${q(enText(between(20, 60)))},${pos},${dims},${kind === 'video' ? q(String(between(30, 600))) : 'NULL'},${now});`);
    }
  }
}
for (const [k, n] of Object.entries(counters)) {
  const [prefix, code] = k.split('|');
  w(`INSERT INTO receipt_counters (prefix,code,last) VALUES (${q(prefix)},${q(code)},${n});`);
}
w('COMMIT;');
process.stdout.write(out.join('\n') + '\n');

// Lua data: accounts[i] = {token, csrf, entries = {...}} (draft entries of that account)
const lua = ['return {'];
for (const a of accounts) lua.push(`{${JSON.stringify(a.token)},${JSON.stringify(a.csrf)},{${a.entries.map((e) => JSON.stringify(e)).join(',')}}},`);
lua.push('}');
writeFileSync(luaOut, lua.join('\n') + '\n');

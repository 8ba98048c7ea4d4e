import { loadCurrent } from './src/ml/bundle/store.js';
import { readDataset } from './src/ml/data/dataset.js';
import { summarize } from './src/ml/insight/summary.js';
const b = await loadCurrent(process.argv[2]);
const recs = await readDataset('data/CloudWatch_Traffic_Web_Attack.csv');
const res = recs.map(r=>b.score(r));
console.log('suspicious', res.filter(r=>r.verdict==='suspicious').length, 'levels', JSON.stringify(Object.groupBy(res, r=>r.risk_level), (k,v)=>Array.isArray(v)?v.length:v));
console.log(summarize(recs,res,b.flagRate).recommendations.slice(0,6));

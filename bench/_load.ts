import { load } from './http.js';
import { readFileSync } from 'node:fs';
const csv = readFileSync('../shared/data/CloudWatch_Traffic_Web_Attack.csv', 'utf8');
console.log(await load('http://127.0.0.1:3903', process.argv[2] ?? '/batch', process.argv[2] === '/score' ? JSON.stringify((await import('../src/schemas/record.js')).EXAMPLE_RECORD) : csv, process.argv[2] === '/score' ? 'application/json' : 'text/csv', 8));

/**
 * `npm run fuzz [cases per parser] [seed] [target]`: a longer fuzz run than CI's (`target`: only
 * the parsers whose name contains it, e.g. `h5`); exits 1 on any failure.
 */
import { runFuzz } from './fuzz.ts';

const cases = Number(process.argv[2] ?? 5000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const report = await runFuzz(seed, cases, 5000, process.argv[4]);
console.log(JSON.stringify({ seed, ...report, failures: report.failures.slice(0, 20) }, null, 2));
process.exit(report.failures.length > 0 ? 1 : 0);

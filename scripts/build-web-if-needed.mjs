// `npm start` step: builds the web app when its sources are newer than the last build (or it was never built).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

const web = new URL('../web/', import.meta.url).pathname;
if (!existsSync(join(web, 'package.json'))) process.exit(0);
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const built = join(web, 'dist', 'index.html');
if (existsSync(built) && statSync(built).mtimeMs >= newest(web)) process.exit(0);
console.log('Building the web app…');
execSync('npm run build -w web', { stdio: 'inherit', cwd: join(web, '..') });

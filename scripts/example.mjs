// The built-in example: a scratch repository with a tiny "training" history, recorded with
// git-track, then listed and shown. Runs the real CLI, as a user would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'git-track.js');
const repo = mkdtempSync(join(tmpdir(), 'git-track-example-'));
const quiet = { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] };
const git = (...args) => execFileSync('git', args, quiet).toString();
const track = (...args) => {
  process.stdout.write(`\n$ git-track ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  const out = execFileSync(process.execPath, [bin, ...args], quiet).toString();
  process.stdout.write(out);
  return out.trim();
};

git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Ada Example');
git('config', 'user.email', 'ada@example.com');
mkdirSync(join(repo, 'data'));
writeFileSync(join(repo, 'data', 'train.csv'), 'x,y\n1,0\n2,1\n3,1\n');
writeFileSync(join(repo, 'train.py'), 'print("training")\n');
git('add', '.');
git('commit', '-q', '-m', 'Add training script and data');

console.log(`Example repository: ${repo}`);
track('init');
mkdirSync(join(repo, 'models'));
for (const [depth, f1] of [[4, 0.781], [8, 0.842], [12, 0.829]]) {
  writeFileSync(join(repo, 'models', 'churn.pkl'), `model depth=${depth}\n`);
  track('log', '--name', `depth-${depth}`, '--experiment', 'churn', '-p', `max_depth=${depth}`, '-p', 'n_estimators=200',
    '-m', `f1=${f1}`, '-m', `precision=${(f1 - 0.03).toFixed(3)}`, '-d', 'data/train.csv@2026-05-30', '-a', 'models/churn.pkl:model',
    '-t', 'team=growth');
}
writeFileSync(join(repo, 'train.py'), 'print("training, tuned")\n');
track('log', '--name', 'tuned', '--experiment', 'churn', '-p', 'max_depth=8', '-p', 'n_estimators=400', '-m', 'f1=0.851',
  '--note', 'uncommitted tweak to train.py: kept as a code snapshot');
track('list');
track('show', 'latest');
process.stdout.write('\n$ git log --oneline --first-parent runs\n' + git('log', '--oneline', '--first-parent', 'runs'));
console.log(`\nHEAD, the index and the working tree are as the example left them (git status --short):\n${git('status', '--short')}`);
console.log(`Look at them in the dashboard (Ctrl-C stops it):\n  cd ${repo} && git-track ui --open`);

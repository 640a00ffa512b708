/**
 * The commands and options of the git-track CLI. Each command's module is imported only when
 * that command runs, so `--version` and `--help` load commander alone.
 */
import { type Command, Option } from 'commander';
import { resolve } from 'node:path';
import { makeCliContext, type CliContext } from './context.js';
import { GitTrackError, quoteInput } from '../errors.js';

type Action = (cli: CliContext, args: unknown[], options: Record<string, unknown>) => Promise<number | void>;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Wire a command to its module, loaded only when the command runs. */
function lazy(load: () => Promise<{ default: Action }>) {
  return async (...raw: unknown[]) => {
    const command = raw.at(-1) as Command;
    const options = command.opts();
    const args = raw.slice(0, -2);
    const global = command.optsWithGlobals() as { C?: string };
    const cli = makeCliContext(resolve(global.C ?? process.cwd()));
    const { default: action } = await load();
    const code = await action(cli, args, options);
    if (typeof code === 'number') process.exitCode = code;
  };
}

/** Metric directions, shared by diff, compare and metrics. */
const higherIsBetter = () =>
  new Option('--higher-is-better <metrics>', 'comma-separated metrics where higher is better (default by name: accuracy, f1, auc, …)').argParser(collect);
const lowerIsBetter = () =>
  new Option('--lower-is-better <metrics>', 'comma-separated metrics where lower is better (default by name: loss, error, rmse, …)').argParser(collect);

/** Each command's declaration, by the names that invoke it. */
export const COMMANDS: [names: string[], declare: (program: Command) => void][] = [
  [
    ['init'],
    (program) =>
      program
        .command('init')
        .description('create the `runs` branch (idempotent; never touches HEAD, the index or the working tree)')
        .action(lazy(() => import('./commands/init.js'))),
  ],
  [
    ['log'],
    (program) =>
      program
        .command('log')
        .description('record a finished run as one commit on `runs` and print its id')
        .option('-p, --param <key=value>', 'a parameter (repeatable); values are read as YAML scalars: 8 is a number, true a boolean, quote to force a string: -p "tag=\\"007\\""', collect)
        .option('-m, --metric <key=value>', 'a metric; must be a finite number (repeatable)', collect)
        .option('-t, --tag <key=value>', 'a tag; always a string (repeatable)', collect)
        .option('--params <file>', 'params from a YAML or JSON file; nested keys become dotted names (repeatable)', collect)
        .option('--metrics <file>', 'metrics from a YAML or JSON file (repeatable)', collect)
        .option('--from <record.json>', 'import a JSON run record (git_commit, full or short; data_version, params, metrics, artifact(s), created_at, UTC unless it names a zone)')
        .option('-d, --data <path[@label]>', 'a data input: file or directory, hashed with sha256 (repeatable)', collect)
        .option('-a, --artifact <path[:role]>', 'an output file or directory: hashed and copied to the local cache (repeatable)', collect)
        .option('--name <name>', 'a human name for the run')
        .option('--experiment <name>', 'the experiment the run belongs to')
        .option('--parent <run>', 'nest the run under this one (id, prefix, name, `latest`, or the id of a run still in progress)')
        .option('--note <text>', 'a free-text note')
        .addOption(new Option('--status <status>', 'how the run ended').choices(['finished', 'failed', 'killed']))
        .option('--duration <seconds>', 'how long the run took')
        .option('--series <file>', 'metric step series: CSV/TSV (metric,step,value[,timestamp] or step,loss,acc) or JSON lines; stored as series/<metric>.tsv, the metric set to its last value unless -m gives it (repeatable)', collect)
        .option('--dry-run', 'print the manifest that would be written and write nothing')
        .option('--json', 'print the recorded manifest as JSON')
        .option('--remote <url>', 'no clone needed: write the run straight to this remote (fetches only the tip commit of its runs branch and, where the server allows filters, the top of its tree); see Many writers in the README')
        .option('--code-commit <sha>', 'with --remote: the code version (default: $GITHUB_SHA, $CI_COMMIT_SHA, $GIT_COMMIT, else HEAD of the work tree)')
        .addHelpText(
          'after',
          `
Examples:
  $ git-track log --name baseline -p max_depth=8 -p lr=0.01 -m f1=0.842 -t team=growth
  $ git-track log --params params.yaml --metrics metrics.json -d data/train.csv@2026-05-30 -a models/churn.pkl:model
  $ git-track log --from run-record.json
  $ git-track log --dry-run -m f1=0.9          # print the manifest, write nothing

Writes git objects and moves the \`runs\` ref only: HEAD, the index, the working tree and
other branches are never touched. Uncommitted changes to tracked files are kept as a
snapshot commit and a code.patch beside the manifest.`,
        )
        .action(lazy(() => import('./commands/log.js'))),
  ],
  [
    ['run'],
    (program) =>
      program
        .command('run')
        .argument('<command...>', 'the command to run, after --')
        .usage('[log options] -- CMD [ARGS...]')
        .description(
          'run a command and record it: status (finished, failed, killed), duration, output, and what the program reports through $GIT_TRACK_RUN_DIR (params, metrics, step metrics, artifacts; see docs/run-contract.md). Exits with the command\'s exit code.',
        )
        .option('-p, --param <key=value>', 'a parameter (repeatable); YAML scalar', collect)
        .option('-m, --metric <key=value>', 'a metric; must be a finite number (repeatable)', collect)
        .option('-t, --tag <key=value>', 'a tag (repeatable)', collect)
        .option('--params <file>', 'params from a YAML or JSON file (repeatable)', collect)
        .option('--metrics <file>', 'metrics from a YAML or JSON file (repeatable)', collect)
        .option('-d, --data <path[@label]>', 'a data input, hashed (repeatable)', collect)
        .option('-a, --artifact <path[:role]>', 'an output the command writes, hashed after it ends (repeatable)', collect)
        .option('--name <name>', 'a human name for the run')
        .option('--experiment <name>', 'the experiment the run belongs to')
        .option('--parent <run>', 'nest the run under this one (id, prefix, name, `latest`, or the id of a run still in progress)')
        .option('--note <text>', 'a free-text note')
        .option('--log-cap <size>', 'keep at most this much of the output, the tail (default 1MB)')
        .option('--no-system-metrics', 'do not sample CPU, memory and GPU use (series system/...)')
        .option('--system-metrics-interval <seconds>', 'seconds between system metrics samples (default 10)')
        .option('--remote <url>', 'no clone needed: record the run straight on this remote (fetches only the tip commit of its runs branch and, where the server allows filters, the top of its tree)')
        .option('--code-commit <sha>', 'with --remote: the code version (default: $GITHUB_SHA, $CI_COMMIT_SHA, $GIT_COMMIT, else HEAD of the work tree)')
        .action(lazy(() => import('./commands/run.js'))),
  ],
  [
    ['sweep'],
    (program) =>
      program
        .command('sweep')
        .argument('[command...]', 'the command to run for each combination, after --; {KEY} is replaced by the value of KEY')
        .usage('--grid KEY=V1,V2,… [--grid …] [options] -- CMD [ARGS with {KEY}…]')
        .description(
          'run a command once per combination of the grid, each captured like `git-track run`, as child runs of one sweep run; prints a comparison of the children with the best marked. Exits 0 when every child finished, 1 when one failed, 130 when stopped with Ctrl-C.',
        )
        .option('-g, --grid <key=v1,v2,...>', 'a param and its values (repeatable); values are YAML scalars like -p values', collect)
        .option('--random <n>', 'run n combinations drawn at random from the grid instead of all')
        .option('--seed <s>', 'seed of --random (recorded; default: drawn and recorded)')
        .option('-j, --jobs <n>', 'run up to n children at once (default 1)')
        .option('--metric <name>', 'the metric that picks the best child')
        .addOption(new Option('--goal <goal>', 'whether --metric is better low or high (default from its name: loss min, accuracy max)').choices(['min', 'max']))
        .option('--fail-fast', 'stop at the first child that fails (running ones are killed and recorded as killed)')
        .option('--resume <sweep>', 'run only the combinations of this sweep without a finished child, as children of it')
        .option('--name <name>', 'a name for the sweep run')
        .option('--experiment <name>', 'the experiment of the sweep and its children')
        .option('--all', 'summary: also archived children')
        .addOption(new Option('--format <format>', 'summary format').choices(['text', 'md', 'json', 'csv']).default('text'))
        .option('--json', 'summary as JSON (same as --format json)')
        .addHelpText(
          'after',
          `
Examples:
  $ git-track sweep --grid lr=0.1,0.01,0.001 --grid depth=4,8 -j 2 --metric accuracy -- python train.py --lr {lr} --depth {depth}
  $ git-track sweep --grid lr=0.1,0.03,0.01,0.003 --grid depth=2,4,8,16 --random 5 --seed 7 -- python train.py --lr={lr} --depth={depth}
  $ git-track sweep --resume 3f9a21c0b7d4 -j 4       # run what an interrupted or failed sweep left

The grid values are recorded as params of each child; the sweep run records the grid
(grid.KEY), the command, --random/--seed, and its best child as the tag sweep.best.
Children's output is kept in each run (output.log), not shown; on a terminal a line per
finished child shows progress.`,
        )
        .action(lazy(() => import('./commands/sweep.js'))),
  ],
  [
    ['recover'],
    (program) =>
      program
        .command('recover')
        .description('record runs left behind by crashed processes as killed (run, list and log also do this)')
        .action(lazy(() => import('./commands/recover.js'))),
  ],
  [
    ['repair'],
    (program) =>
      program
        .command('repair')
        .description('restore a runs branch that reaches missing objects (a prune raced a writer) from its reflog and the objects still present; never drops a readable run')
        .action(lazy(() => import('./commands/repair.js'))),
  ],
  [
    ['show'],
    (program) =>
      program
        .command('show')
        .argument('<run>', 'id, id prefix, name, `latest`, `stage:NAME`, or the run commit')
        .description('print one run whole (canonical YAML)')
        .option('--json', 'print JSON')
        .action(lazy(() => import('./commands/show.js'))),
  ],
  [
    ['list', 'ls'],
    (program) =>
      program
        .command('list')
        .alias('ls')
        .description('find runs: filter, sort and show them, newest first by default')
        .option('-f, --filter <expr>', "keep runs matching EXPR, e.g. \"metrics.f1 > 0.8 AND params.model IN ('xgb', 'rf') AND NOT tags.bad = 'yes'\"; fields: params.X, metrics.X, tags.X, data.PATH, id, name, experiment, parent, status, created, author, code.commit, code.branch, code.dirty, archived; operators = != < <= > >= LIKE IN IS [NOT] NULL AND OR NOT")
        .option('-s, --sort <keys>', 'comma-separated fields; a leading - sorts descending: -metrics.f1,name')
        .option('--columns <fields>', 'comma-separated fields to show: id,name,params.lr,metrics.f1')
        .option('-n, --limit <n>', 'show at most n runs')
        .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'md', 'yaml']).default('table'))
        .option('--json', 'same as --format json (whole manifests unless --columns is given)')
        .option('--flat', 'a plain list: children of a run (a sweep\'s) are not nested under it')
        .option('--all', 'also archived runs')
        .action(lazy(() => import('./commands/list.js'))),
  ],
  [
    ['diff'],
    (program) =>
      program
        .command('diff')
        .argument('<a>', 'the first run (id, prefix, name, `latest`, run commit)')
        .argument('<b>', 'the second run')
        .description('what changed between two runs: params, metrics (delta, better side), tags, data, code, artifacts, environment')
        .addOption(new Option('--format <format>', 'text (coloured on a terminal), md (for a pull request) or json').choices(['text', 'md', 'json']).default('text'))
        .option('--manifest', 'also show a unified diff of the two run.yaml files')
        .option('--plot <file>', 'with --format md: also write the runs\' metric curves to FILE (.svg or .png) and link it from the markdown')
        .option('--all', 'also list params, tags and artifacts that did not change')
        .addOption(higherIsBetter())
        .addOption(lowerIsBetter())
        .action(lazy(() => import('./commands/diff.js'))),
  ],
  [
    ['compare'],
    (program) =>
      program
        .command('compare')
        .argument('[runs...]', 'runs to compare (ids, prefixes, names, `latest`)')
        .description('runs side by side: a column per run, a row per param or metric that differs, the best value marked')
        .option('-f, --filter <expr>', 'also compare the runs this filter selects (see `list --help`)')
        .option('--children <run>', "also compare the children of this run (a sweep's runs), oldest first")
        .option('-s, --sort <keys>', 'order of the runs a filter selects')
        .option('-n, --limit <n>', 'at most n runs from the filter (default 20; all children with --children alone)')
        .option('--all', 'show every param and metric, also those that are the same, and archived runs a filter or --children selects')
        .addOption(new Option('--format <format>', 'output format').choices(['text', 'md', 'json', 'csv']).default('text'))
        .option('--plot <file>', 'with --format md: also write the runs\' metric curves to FILE (.svg or .png) and link it from the markdown')
        .addOption(higherIsBetter())
        .addOption(lowerIsBetter())
        .action(lazy(() => import('./commands/compare.js'))),
  ],
  [
    ['metrics'],
    (program) =>
      program
        .command('metrics')
        .argument('<run>', 'id, id prefix, name, `latest`, or the run commit')
        .argument('[name]', 'one metric: print its points too')
        .description('a run\'s metric step series: summary (last, min, max, best step) and a sparkline per metric')
        .option('--json', 'print JSON: summary and points per metric')
        .addOption(higherIsBetter())
        .addOption(lowerIsBetter())
        .action(lazy(() => import('./commands/metrics.js'))),
  ],
  [
    ['push'],
    (program) =>
      program
        .command('push')
        .argument('[remote]', 'remote name, URL or path (default: the upstream of `runs` or of the current branch, else origin, else the only remote)')
        .description(
          'send `runs` (with the code snapshots and artifact bytes it references) to a remote in one git push, never forced; if others moved its `runs` meanwhile, ' +
            'the runs go to a ref of this clone\'s own (refs/git-track/incoming/<writer>/runs) in the same push; the next pull, or a push with nothing new, folds what waits there into `runs`',
        )
        .option('--json', 'print the result as JSON')
        .action(lazy(() => import('./commands/push.js'))),
  ],
  [
    ['pull'],
    (program) =>
      program
        .command('pull')
        .argument('[remote]', 'remote name, URL or path (default: the upstream of `runs` or of the current branch, else origin, else the only remote)')
        .description(
          "fetch the remote's `runs` and the runs writers queued there (refs/git-track/incoming/*), and merge them into the local one " +
            "(a union of runs; refuses rewritten history); queued runs are also folded into the remote's `runs` (nothing local is pushed)",
        )
        .option('--json', 'print the result as JSON')
        .action(lazy(() => import('./commands/pull.js'))),
  ],
  [
    ['get'],
    (program) =>
      program
        .command('get')
        .argument('<run>', 'id, id prefix, name, `latest`, or the run commit')
        .argument('[path]', 'only this artifact (or those below this directory)')
        .description("restore a run's artifact bytes (verified by sha256) from the local cache or the shared store; writes into the working tree by default")
        .option('-o, --output <dir>', 'write under this directory instead of the work tree')
        .option('--force', 'overwrite existing files that differ')
        .option('--json', 'print what was restored as JSON')
        .addHelpText(
          'after',
          `
The shared store is set by \`store:\` in .git-track.yaml or git config gittrack.store.*:
  git   refs/git-track/artifacts, pushed and pulled with the runs (default; 5 MB a file)
  dir   a shared directory:   git config gittrack.store.dir /mnt/share/artifacts
  s3    an S3 bucket:         git config gittrack.store.type s3; gittrack.store.bucket NAME
        (also .prefix .region .endpoint .forcePathStyle .concurrency; credentials: the AWS SDK's chain)
  lfs   the remote's Git LFS server, with git's credentials: git config gittrack.store.type lfs
        (lfs.concurrenttransfers objects at once, 8 by default)
Push uploads the bytes before the runs move; get verifies every byte before writing a file.
s3 and lfs go through HTTPS_PROXY / HTTP_PROXY except NO_PROXY hosts; lfs also honours git's
http.proxy, http.<url>.proxy and remote.<name>.proxy.`,
        )
        .action(lazy(() => import('./commands/get.js'))),
  ],
  [
    ['tag'],
    (program) =>
      program
        .command('tag')
        .argument('<run>', 'the run to tag')
        .argument('<key=value...>', 'tags to add')
        .description('add tags to a run after the fact, as a new commit on `runs` (the run itself never changes)')
        .action(lazy(() => import('./commands/tag.js'))),
  ],
  [
    ['archive'],
    (program) =>
      program
        .command('archive')
        .argument('<runs...>', 'runs to archive (ids, prefixes, names, `latest`)')
        .description('hide runs from list, compare, experiments and sweep summaries (--all shows them), as a new commit on `runs`; nothing is deleted and a teammate sees it after pull')
        .action(lazy(() => import('./commands/archive.js'))),
  ],
  [
    ['unarchive'],
    (program) =>
      program
        .command('unarchive')
        .argument('<runs...>', 'archived runs to show again')
        .description('undo archive: the runs are listed again (a new commit on `runs`)')
        .action(lazy(() => import('./commands/unarchive.js'))),
  ],
  [
    ['rename'],
    (program) =>
      program
        .command('rename')
        .argument('<run>', 'the run')
        .argument('<name>', 'its new name')
        .description('give a run a new name, as a new commit on `runs` (the manifest keeps the name it was recorded with); list, show and lookups by name use the new one')
        .action(lazy(() => import('./commands/rename.js'))),
  ],
  [
    ['experiments'],
    (program) =>
      program
        .command('experiments')
        .description('each experiment with its number of runs, last activity and, with --metric, its best finished run')
        .option('--metric <name>', 'pick each experiment\'s best run by this metric')
        .addOption(new Option('--goal <goal>', 'whether --metric is better low or high (default from its name)').choices(['min', 'max']))
        .option('--all', 'also count archived runs')
        .option('--json', 'print JSON')
        .action(lazy(() => import('./commands/experiments.js'))),
  ],
  [
    ['promote'],
    (program) =>
      program
        .command('promote')
        .argument('<run>', 'the run to promote')
        .requiredOption('--stage <name>', 'the stage, e.g. production')
        .requiredOption('--reason <text>', 'why this run is promoted (kept in the history)')
        .option('--json', 'print the promotion as JSON')
        .description(
          'promote a run to a stage: records the promotion on `runs` and WRITES .git-track/stages/<stage>.yaml IN THE WORKING TREE (commit it for review); prints the diff against the previous run of the stage',
        )
        .action(lazy(() => import('./commands/promote.js'))),
  ],
  [
    ['stage'],
    (program) =>
      program
        .command('stage')
        .argument('[name]', 'one stage')
        .option('--history', 'every promotion: who, when, why')
        .option('--json', 'print JSON')
        .description('the current run of each stage')
        .action(lazy(() => import('./commands/stage.js'))),
  ],
  [
    ['check'],
    (program) =>
      program
        .command('check')
        .argument('<run>', 'the run to check')
        .option('--require-param <name>', 'the run must have this param (repeatable)', collect)
        .option('--require-metric <name>', 'the run must have this metric (repeatable)', collect)
        .option('--require-tag <name>', 'the run must have this tag (repeatable)', collect)
        .option('--require-role <role>', 'the run must have an artifact with this role (repeatable)', collect)
        .option('--threshold <expr>', "a bound such as 'metrics.f1>=0.8' (repeatable)", collect)
        .option('--no-regression <stage>', 'metrics must not be worse than the run of this stage')
        .option('--tolerance <x>', 'allowed regression (absolute) for --no-regression', '0')
        .option('--clean-code', 'the run must come from a clean working tree')
        .option('--no-policy', 'ignore the policy of .git-track.yaml')
        .addOption(new Option('--format <format>', 'output format').choices(['text', 'md', 'json']).default('text'))
        .description('apply the policy of .git-track.yaml (and the rules given here) to a run; exit 1 listing each failed rule')
        .action(lazy(() => import('./commands/check.js'))),
  ],
  [
    ['verify'],
    (program) =>
      program
        .command('verify')
        .option('--stages', 'also check .git-track/stages/*.yaml: each matches a real run byte for byte and passes the policy')
        .option('--signatures', "also check that every commit on runs carries a good signature (git's keyring, gpg.ssh.allowedSignersFile)")
        .option('--json', 'print the problems as JSON')
        .description('integrity of the runs branch: valid manifests, artifact bytes in the local cache, append-only history, promotions of real runs; exit 1 listing every problem')
        .action(lazy(() => import('./commands/verify.js'))),
  ],
  [
    ['which'],
    (program) =>
      program
        .command('which')
        .argument('<file>', 'a file or directory')
        .option('--json', 'print JSON')
        .description('the runs that produced this file (as an artifact) and those that used it (as data), by content hash')
        .action(lazy(() => import('./commands/which.js'))),
  ],
  [
    ['lineage'],
    (program) =>
      program
        .command('lineage')
        .argument('<run>', 'the run')
        .option('--json', 'print JSON')
        .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid']).default('text'))
        .option('--depth <n>', 'generations of producer runs to follow (default 20)')
        .description("a run's code, data inputs and, recursively, the earlier runs whose artifacts are its inputs")
        .action(lazy(() => import('./commands/lineage.js'))),
  ],
  [
    ['checkout'],
    (program) =>
      program
        .command('checkout')
        .argument('<run>', 'the run')
        .argument('[dir]', 'target directory (default: ./<run id>)')
        .description("WRITES the run's exact code and its cached artifacts into DIR (never touches the current working tree, index or HEAD)")
        .option('-o, --output <dir>', 'also write inputs recorded outside the work tree (absolute or ../ paths) under this directory')
        .action(lazy(() => import('./commands/checkout.js'))),
  ],
  [
    ['server'],
    (program) =>
      program
        .command('server')
        .description('serve MLflow\'s tracking REST API over `runs`: MLflow clients log here unchanged (MLFLOW_TRACKING_URI=http://127.0.0.1:5000)')
        .option('--port <n>', 'port to listen on (0: any free port)', '5000')
        .option('--host <addr>', 'address to listen on; anything but loopback needs --token', '127.0.0.1')
        .option('--token <t>', 'require `Authorization: Bearer T` from clients (MLflow: MLFLOW_TRACKING_TOKEN=T); also read from GIT_TRACK_SERVER_TOKEN')
        .action(lazy(() => import('./commands/server.js'))),
  ],
  [
    ['reproduce'],
    (program) =>
      program
        .command('reproduce')
        .argument('<run>', 'the run')
        .option('--metrics <file>', 'metrics file the command writes in its working directory (default: metrics.json when present; metrics reported through $GIT_TRACK_RUN_DIR, as under `git-track run`, count too)')
        .option('--tolerance <x>', 'largest absolute difference that still matches', '0')
        .option('--keep', 'keep the temporary checkout')
        .option('-y, --yes', 'run the recorded command without asking (it may come from someone else: the command and its author are shown on a terminal first)')
        .option('--json', 'print the comparison as JSON')
        .description("re-run a run's recorded command in a temporary checkout of its code and inputs, record the new run (tag reproduces=<id>) and compare metrics; exit 1 when they differ")
        .action(lazy(() => import('./commands/reproduce.js'))),
  ],
  [
    ['plot'],
    (program) =>
      program
        .command('plot')
        .argument('<runs...>', 'runs to plot (ids, prefixes, names, `latest`)')
        .description('a chart of metric step series: a panel per metric, a line per run in its dashboard colour; SVG or PNG for a pull request, a paper or CI')
        .option('--metric <name>', 'a metric to plot (repeatable; default: every metric with a series)', collect)
        .addOption(new Option('--x <axis>', 'horizontal axis: step, time (wall clock) or relative (seconds since the run began)').choices(['step', 'time', 'relative']).default('step'))
        .option('-o, --output <file>', 'write FILE.svg or FILE.png (default: SVG on stdout)')
        .addHelpText(
          'after',
          `
Examples:
  $ git-track plot baseline latest --metric loss -o loss.svg
  $ git-track plot latest --x relative -o curves.png
  $ git-track diff baseline latest --format md --plot curves.svg   # the markdown links the chart`,
        )
        .action(lazy(() => import('./commands/plot.js'))),
  ],
  [
    ['ui'],
    (program) =>
      program
        .command('ui')
        .description('a local web dashboard of the runs: table, run pages, charts, compare, parallel coordinates, stages, live runs (read-only)')
        .option('--port <n>', 'port to listen on (0 = any free port)', '0')
        .option('--host <addr>', 'address to listen on; anything but loopback lets others on the network read the runs', '127.0.0.1')
        .option('--open', 'open the dashboard in the browser (xdg-open / open)')
        .option('-f, --filter <expr>', 'show only the runs this filter selects (see `list --help`)')
        .option('--export <dir>', 'write a static site (pages and data, no artifact bytes) into DIR instead of serving; opens from file:// or any static host')
        .addHelpText(
          'after',
          `
Examples:
  $ git-track ui                          # http://127.0.0.1:<free port>/ until Ctrl-C
  $ git-track ui --port 8080 --open
  $ git-track ui --filter "experiment = 'churn'"
  $ git-track ui --export site/ && xdg-open site/index.html

Serves until Ctrl-C. Follows the \`runs\` branch: runs logged, pulled or tagged while it
serves appear without a restart. Requests naming another Host are refused (403).
The JSON API is described in docs/ui-api.md.`,
        )
        .action(lazy(() => import('./commands/ui.js'))),
  ],
  [
    ['import'],
    (program) => {
      // Sources are subcommands, so another (`import wandb`) can follow without new flags here.
      const command = program
        .command('import')
        .description('bring runs from another tracker into `runs` (idempotent: runs imported before are skipped)')
        .argument('[source]', 'where the runs come from: mlflow')
        .action((source: string | undefined) => {
          // Reached only when no known source was named: commander dispatches `import mlflow` itself.
          const what = source === undefined ? 'import needs a source' : `unknown source ${quoteInput(source)} for import`;
          throw new GitTrackError('USAGE', `${what} (sources: mlflow; e.g. git-track import mlflow mlruns)`);
        });
      command
        .command('mlflow')
        .argument('[path]', 'an MLflow file store: the `mlruns` folder')
        .option('--server <url>', 'read from an MLflow tracking server instead (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, as the MLflow client)')
        .option('--include-deleted', 'also import deleted runs and the runs of deleted experiments')
        .option('--json', 'print what was imported as JSON')
        .description('import the runs of an MLflow file store or server: params, full metric histories, tags, notes, nested runs and artifacts; each keeps its MLflow run id as tag mlflow.runId')
        .addHelpText(
          'after',
          `
Examples:
  $ git-track import mlflow mlruns
  $ git-track import mlflow --server http://127.0.0.1:5000
  $ MLFLOW_TRACKING_TOKEN=… git-track import mlflow --server https://mlflow.example.com

Importing again adds only the runs not imported yet. A malformed file in the store is named
in a warning and its run left out (exit 1); the other runs are imported. Symlinks inside the
store are never followed. A second import of the same store waits for the first to finish.

Artifacts in S3 come through the server when it serves them; otherwise runs whose artifact
root is s3://… are read straight from S3 with the AWS SDK's credentials (AWS_PROFILE,
AWS_ACCESS_KEY_ID…) and, for an S3-compatible service, MLFLOW_S3_ENDPOINT_URL, as the MLflow client.
The server and S3 are reached through HTTPS_PROXY / HTTP_PROXY (or lower case) except NO_PROXY hosts.`,
        )
        .action(lazy(() => import('./commands/import-mlflow.js')));
    },
  ],
];

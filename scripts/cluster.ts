// `npm run cluster -- --nodes 3`: N transcription server nodes behind HAProxy on loopback, for
// a demo or a manual test; Ctrl-C (or SIGTERM) stops everything. See docs/scaling.md.
import { parseArgs } from 'node:util';
import { startCluster } from './cluster/cluster.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: '7860' },
    'stats-port': { type: 'string', default: '8404' },
    'max-sessions': { type: 'string', default: '8' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`Usage: npm run cluster -- [--nodes N] [--port P] [--stats-port S] [--max-sessions M] [-- server flags]

  --nodes N         server nodes (default 3), each on a free loopback port, NODE_ID node1…nodeN
  --port P          where clients connect: ws://127.0.0.1:P/ws (default 7860)
  --stats-port S    HAProxy's stats page http://127.0.0.1:S/stats (default 8404)
  --max-sessions M  sessions per node before "busy" (default 8)
  anything after a bare --: passed to every node (e.g. -- --engine sphinx)
`);
  process.exit(0);
}
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1 || count > 32) {
  process.stderr.write('--nodes must be 1-32\n');
  process.exit(2);
}

const cluster = await startCluster({
  nodes: count,
  maxSessionsPerNode: Number(values['max-sessions']),
  port: Number(values.port),
  statsPort: Number(values['stats-port']),
  nodeArgs: positionals,
  echoLogs: true,
});
process.stdout.write(
  [
    `Cluster of ${count} node(s) behind HAProxy:`,
    `  extension server address: ${cluster.wsUrl}`,
    `  HTTP (health, /transcribe): ${cluster.httpUrl}`,
    `  HAProxy stats:              ${cluster.statsUrl}`,
    ...cluster.nodes.map((n) => `  ${n.id}: http://127.0.0.1:${n.port} (/health, /metrics; pid ${n.proc?.pid})`),
    'Drain a node: kill -TERM <pid>. Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  void cluster.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

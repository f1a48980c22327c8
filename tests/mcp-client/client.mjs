// client.mjs — drives heal-mcp with the official MCP TypeScript SDK client.
//
//   node client.mjs SCENARIO
//
// HEAL_MCP is the server to run, HEAL_MCP_ARGS its arguments (a JSON
// array); the whole environment is passed on (state and config dirs,
// sanitizer options).  The server's stderr goes to HEAL_MCP_STDERR.  Each
// scenario prints one JSON line per step on stdout for the bats suite to
// examine, and exits non-zero with the reason on stderr when a step fails.
// Every structuredContent is checked against the tool's outputSchema with
// Ajv here, on top of the check the SDK itself makes after listTools().
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import Ajv from 'ajv';
import { createWriteStream } from 'node:fs';

const TOOLS = [
  'perform_health_check', 'analyze_failure', 'propose_fix', 'apply_fix',
  'trigger_healing_session', 'get_healing_status', 'start_health_monitoring',
  'stop_health_monitoring', 'start_healing_loop', 'stop_healing_loop',
];
const LONG = { timeout: 120_000, resetTimeoutOnProgress: true };

function fail(msg) {
  throw new Error(msg);
}

function expect(cond, msg) {
  if (!cond) fail(msg);
}

async function connect() {
  const transport = new StdioClientTransport({
    command: process.env.HEAL_MCP,
    args: JSON.parse(process.env.HEAL_MCP_ARGS || '[]'),
    env: process.env,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'heal-test', version: '1.0.0' });
  const log = createWriteStream(process.env.HEAL_MCP_STDERR || '/dev/null', { flags: 'a' });
  transport.stderr?.pipe(log);
  await client.connect(transport);
  return client;
}

// listTools, with every schema compiled for the checks below.
async function tools(client) {
  const { tools: list } = await client.listTools();
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = {};
  for (const t of list) {
    expect(t.inputSchema?.type === 'object', `${t.name}: inputSchema is not an object schema`);
    expect(t.outputSchema?.type === 'object', `${t.name}: no object outputSchema`);
    expect(typeof t.description === 'string' && t.description.length > 40, `${t.name}: no description`);
    const a = t.annotations || {};
    for (const hint of ['readOnlyHint', 'idempotentHint', 'openWorldHint'])
      expect(typeof a[hint] === 'boolean', `${t.name}: annotation ${hint} not given`);
    if (!a.readOnlyHint)
      expect(typeof a.destructiveHint === 'boolean', `${t.name}: destructiveHint not given`);
    ajv.compile(t.inputSchema); // a schema a client cannot compile is useless to it
    validators[t.name] = ajv.compile(t.outputSchema);
  }
  return { list, validators };
}

// Calls a tool, checks the result is no error and matches its outputSchema.
async function call(client, validators, name, args = {}, progress = null) {
  const options = { ...LONG };
  if (progress) options.onprogress = p => progress.push(p);
  const r = await client.callTool({ name, arguments: args }, undefined, options);
  const text = (r.content || []).map(c => c.text).join(' | ');
  expect(!r.isError, `${name}: isError: ${text}`);
  const sc = r.structuredContent;
  expect(sc && typeof sc === 'object', `${name}: no structuredContent`);
  const ok = validators[name](sc);
  expect(ok, `${name}: structuredContent fails outputSchema: ${JSON.stringify(validators[name].errors)}`);
  expect(r.content.some(c => c.type === 'text' && c.text === JSON.stringify(sc)),
    `${name}: no text item holding the structured result`);
  expect(/^[0-9A-HJKMNP-TV-Z]{26}$/.test(sc.trace), `${name}: trace '${sc.trace}' is not an id`);
  return sc;
}

function report(step, data) {
  console.log(JSON.stringify({ step, ...data }));
}

// Every tool once, in the order an agent would use them.
async function everyTool(client) {
  const { list, validators } = await tools(client);
  const names = list.map(t => t.name).sort();
  expect(JSON.stringify(names) === JSON.stringify([...TOOLS].sort()), `tools: ${names}`);
  report('tools/list', { tools: names });

  const checked = await call(client, validators, 'perform_health_check');
  expect(checked.status === 'critical', `configured checks: status ${checked.status}`);
  report('perform_health_check', {
    trace: checked.trace, status: checked.status, record_traces: checked.checks.map(c => c.trace),
  });
  const failing = checked.checks.find(c => c.status === 'critical');

  const port = process.env.CLOSED_PORT;
  const oneoff = await call(client, validators, 'perform_health_check', {
    name: 'api', check: { kind: 'tcp', target: `127.0.0.1:${port}`, timeout: '2s', labels: { unit: 'api' } },
  });
  expect(oneoff.checks.length === 1 && oneoff.checks[0].name === 'api', 'one-off: not one check named api');
  expect(oneoff.checks[0].labels.unit === 'api', 'one-off: label lost');
  report('perform_health_check oneoff', { trace: oneoff.trace, status: oneoff.status });

  const fromRecord = await call(client, validators, 'analyze_failure', { record: failing });
  expect(fromRecord.diagnoses.length >= 1, 'analyze_failure record: no diagnosis');
  report('analyze_failure record', {
    trace: fromRecord.trace, record_traces: fromRecord.diagnoses.map(d => d.trace),
    signatures: fromRecord.diagnoses.map(d => d.signature),
  });

  const fromText = await call(client, validators, 'analyze_failure', {
    text: "cp: error writing '/var/lib/app/data.bin': No space left on device\n",
  });
  expect(fromText.diagnoses.some(d => d.signature === 'disk.full'), 'analyze_failure text: no disk.full');
  report('analyze_failure text', {
    trace: fromText.trace, record_traces: fromText.diagnoses.map(d => d.trace),
  });

  const proposed = await call(client, validators, 'propose_fix', { diagnoses: fromRecord.diagnoses });
  expect(proposed.proposals.length >= 1, 'propose_fix: no proposal');
  report('propose_fix', { trace: proposed.trace, record_traces: proposed.proposals.map(p => p.trace) });

  const applyProgress = [];
  const applied = await call(client, validators, 'apply_fix', { proposals: proposed.proposals }, applyProgress);
  expect(applied.applied === false, 'apply_fix: not a dry run');
  expect(applied.outcomes.every(o => o.action !== 'executed'), 'apply_fix dry run executed something');
  report('apply_fix', {
    trace: applied.trace, actions: applied.outcomes.map(o => o.action), progress: applyProgress.length,
  });

  const cycleProgress = [];
  const cycle = await call(client, validators, 'trigger_healing_session', {}, cycleProgress);
  expect(cycle.summary.event === 'cycle.summary', 'trigger_healing_session: no summary');
  expect(cycle.healthy === false, 'trigger_healing_session: a closed port is healthy?');
  report('trigger_healing_session', {
    trace: cycle.trace,
    record_traces: cycle.records.filter(r => r.type !== 'event').map(r => r.trace),
    types: cycle.records.map(r => r.type),
    progress: cycleProgress.map(p => p.progress),
  });

  const status = await call(client, validators, 'get_healing_status');
  expect(status.targets.some(t => t.target === 'web'), 'get_healing_status: web is not reported');
  report('get_healing_status', { trace: status.trace, targets: status.targets.map(t => t.target) });

  for (const [start, stop] of [['start_health_monitoring', 'stop_health_monitoring'],
    ['start_healing_loop', 'stop_healing_loop']]) {
    const first = await call(client, validators, start);
    const again = await call(client, validators, start);
    expect(first.started && first.running && first.pid > 0, `${start}: not started`);
    expect(!again.started && again.pid === first.pid, `${start} again: started a second one`);
    const stopped = await call(client, validators, stop);
    const none = await call(client, validators, stop);
    expect(stopped.stopped && !none.stopped, `${stop}: stopped ${stopped.stopped}, then ${none.stopped}`);
    report(start, { pid: first.pid, again: again.pid, mode: first.mode, pid_file: first.pid_file });
  }
}

// What heal-loop status reports, after one cycle has seen the failing check.
async function status(client) {
  const { validators } = await tools(client);
  await call(client, validators, 'trigger_healing_session', { monitor: true });
  const byTarget = await call(client, validators, 'get_healing_status');
  const byUnit = await call(client, validators, 'get_healing_status', { by: 'unit' });
  expect(Array.isArray(byTarget.targets) && Array.isArray(byTarget.loops), 'no targets or loops');
  expect(byUnit.by === 'unit' && Array.isArray(byUnit.groups), 'by unit: no groups');
  report('get_healing_status', {
    trace: byTarget.trace, targets: byTarget.targets.map(t => t.target),
    statuses: byTarget.targets.map(t => t.status), units: byUnit.groups.map(g => `${g.value}:${g.status}`),
  });
}

// A long call cancelled after its first progress notification; then the
// server still answers.  HEAL_CANCEL_TOOL and HEAL_CANCEL_ARGS name the call.
async function cancel(client) {
  const { validators } = await tools(client);
  const controller = new AbortController();
  const seen = [];
  const started = Date.now();
  let error = null;
  try {
    await client.callTool(
      { name: process.env.HEAL_CANCEL_TOOL, arguments: JSON.parse(process.env.HEAL_CANCEL_ARGS || '{}') },
      undefined,
      { ...LONG, signal: controller.signal, onprogress: p => { seen.push(p); controller.abort('enough'); } });
  } catch (e) {
    error = e;
  }
  expect(error, 'the cancelled call returned a result');
  expect(seen.length >= 1, 'no progress notification before the cancellation');
  await client.ping();
  const after = await call(client, validators, 'analyze_failure', { text: 'Connection refused' });
  report('cancel', {
    progress: seen.map(p => p.message), aborted_after_ms: Date.now() - started,
    error: String(error), served_after: after.diagnoses.length,
  });
}

const scenarios = { 'every-tool': everyTool, status, cancel };
const scenario = scenarios[process.argv[2]];
if (!scenario) {
  console.error(`client.mjs: unknown scenario '${process.argv[2]}'`);
  process.exit(2);
}
const client = await connect();
try {
  await scenario(client);
  await client.close();
} catch (e) {
  console.error(`client.mjs: ${process.argv[2]}: ${e.message}`);
  await client.close().catch(() => {});
  process.exit(1);
}

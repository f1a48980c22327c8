// http.mjs — drives heal-mcp --http with the official MCP TypeScript SDK
// client over StreamableHTTPClientTransport.
//
//   node http.mjs SCENARIO
//
// HEAL_MCP_URL is the endpoint, HEAL_MCP_TOKEN the bearer token to send
// (none when empty).  Each scenario prints one JSON line per step on
// stdout for the bats suite, and exits non-zero with the reason on stderr
// when a step fails.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const LONG = { timeout: 120_000, resetTimeoutOnProgress: true };

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

function report(step, data) {
  console.log(JSON.stringify({ step, ...data }));
}

async function connect(token = process.env.HEAL_MCP_TOKEN) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(process.env.HEAL_MCP_URL),
    { requestInit: { headers } });
  const client = new Client({ name: 'heal-http-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

// Calls a tool; the SDK itself checks structuredContent against the outputSchema listTools gave.
async function call(client, name, args = {}, progress = null) {
  const options = { ...LONG };
  if (progress) options.onprogress = p => progress.push(p);
  const r = await client.callTool({ name, arguments: args }, undefined, options);
  const text = (r.content || []).map(c => c.text).join(' | ');
  expect(!r.isError, `${name}: isError: ${text}`);
  expect(r.structuredContent && typeof r.structuredContent === 'object', `${name}: no structuredContent`);
  return r.structuredContent;
}

// initialize, tools/list, read tools, then apply_fix with apply: the whole chain over HTTP.
async function flow() {
  const { client, transport } = await connect();
  expect(typeof transport.sessionId === 'string' && /^[\x21-\x7e]+$/.test(transport.sessionId),
    `session id '${transport.sessionId}'`);
  report('initialize', {
    session: transport.sessionId, version: transport.protocolVersion,
    server: client.getServerVersion().name,
  });
  const { tools } = await client.listTools();
  report('tools/list', { tools: tools.map(t => t.name) });
  const status = await call(client, 'get_healing_status');
  report('get_healing_status', { trace: status.trace });
  const checked = await call(client, 'perform_health_check');
  const failing = checked.checks.find(c => c.status === 'critical');
  const analysed = await call(client, 'analyze_failure', { record: failing });
  const proposed = await call(client, 'propose_fix', { diagnoses: analysed.diagnoses });
  const progress = [];
  const applied = await call(client, 'apply_fix',
    { proposals: proposed.proposals, apply: process.env.HEAL_APPLY === '1' }, progress);
  report('apply_fix', {
    trace: applied.trace, applied: applied.applied,
    actions: applied.outcomes.map(o => `${o.remedy}:${o.action}`),
    outcome_ids: applied.outcomes.map(o => o.id),
    progress: progress.map(p => p.progress),
  });
  await transport.terminateSession();
  report('terminate', { session: transport.sessionId ?? null });
  await client.close();
}

// A call the caller's token does not allow: the SDK sees the refusal as an error.
async function denied() {
  const { client } = await connect();
  await client.listTools();
  const status = await call(client, 'get_healing_status');
  let error = null;
  try {
    await client.callTool({ name: process.env.HEAL_TOOL, arguments: JSON.parse(process.env.HEAL_ARGS || '{}') });
  } catch (e) {
    error = e;
  }
  expect(error, `${process.env.HEAL_TOOL} ran with a token lacking its scope`);
  report('denied', { read_trace: status.trace, code: error.code ?? null, error: String(error.message) });
  await client.close();
}

// No token at all: the connection is refused before initialize completes.
async function unauthorized() {
  let error = null;
  try {
    await connect('');
  } catch (e) {
    error = e;
  }
  expect(error, 'connected without a token');
  report('unauthorized', { code: error.code ?? null, error: String(error.message) });
}

// HEAL_CLIENTS clients at once, HEAL_CALLS calls of get_healing_status each.
async function concurrent() {
  const clients = Number(process.env.HEAL_CLIENTS || 8), calls = Number(process.env.HEAL_CALLS || 5);
  const traces = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    const { client } = await connect();
    await client.listTools();
    for (let i = 0; i < calls; i++)
      traces.push((await call(client, 'get_healing_status')).trace);
    await client.close();
  }));
  report('concurrent', { clients, calls: traces.length, traces });
}

const scenarios = { flow, denied, unauthorized, concurrent };
const scenario = scenarios[process.argv[2]];
if (!scenario) {
  console.error(`http.mjs: unknown scenario '${process.argv[2]}'`);
  process.exit(2);
}
try {
  await scenario();
} catch (e) {
  console.error(`http.mjs: ${process.argv[2]}: ${e.message}`);
  process.exit(1);
}

// bench.mjs — HEAL_CALLS tools/call requests of get_healing_status from
// HEAL_CLIENTS concurrent SDK clients over Streamable HTTP; prints one
// JSON line: calls, seconds, calls per second, p50 and p99 latency (ms).
// HEAL_MCP_URL is the endpoint, HEAL_MCP_TOKEN the bearer token (or none).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const clients = Number(process.env.HEAL_CLIENTS || 8);
const total = Number(process.env.HEAL_CALLS || 1000);
const token = process.env.HEAL_MCP_TOKEN;
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const latencies = [];
let next = 0;

async function worker() {
  const client = new Client({ name: 'heal-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(process.env.HEAL_MCP_URL),
    { requestInit: { headers } }));
  await client.listTools();
  while (next < total) {
    next++;
    const t0 = performance.now();
    const r = await client.callTool({ name: 'get_healing_status', arguments: {} });
    latencies.push(performance.now() - t0);
    if (r.isError) throw new Error(`get_healing_status: ${JSON.stringify(r.content)}`);
  }
  await client.close();
}

const start = performance.now();
await Promise.all(Array.from({ length: clients }, worker));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = p => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(JSON.stringify({
  clients, calls: latencies.length, seconds: +seconds.toFixed(3),
  per_second: +(latencies.length / seconds).toFixed(1),
  p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2),
}));

// A later workflow step that uses the real @anthropic-ai/sdk with only the environment the action
// exported (no API key, no constructor credentials). Makes CALLS calls, INTERVAL_MS apart, from one
// process and one client, and prints one JSON line per call.
import Anthropic from '@anthropic-ai/sdk';

const calls = Number(process.env['SDK_CALLS'] ?? '1');
const intervalMs = Number(process.env['SDK_INTERVAL_MS'] ?? '0');
const client = new Anthropic({ maxRetries: 0, timeout: 10_000 });

for (let i = 0; i < calls; i++) {
  const at = Date.now();
  try {
    const message = await client.messages.create({ model: 'claude-test-1', max_tokens: 8, messages: [{ role: 'user', content: 'ping' }] });
    console.log(JSON.stringify({ i, at, ok: true, id: message.id }));
  } catch (error) {
    const status = (error as { status?: number }).status ?? null;
    console.log(JSON.stringify({ i, at, ok: false, status, error: error instanceof Error ? error.message.slice(0, 200) : String(error) }));
  }
  if (i < calls - 1) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}

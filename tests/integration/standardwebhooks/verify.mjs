// Verifies deliveries with the official Standard Webhooks library (npm standardwebhooks).
// stdin: a JSON array of { secret, raw, headers, body_base64 }; `raw` passes the secret's UTF-8
// bytes as the key (the library's format "raw", for secrets not in the whsec_ form).
// stdout: a JSON array with "ok" or the library's error message for each.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ secret, raw, headers, body_base64 }) => {
  try {
    const hook = raw ? new Webhook(new TextEncoder().encode(secret), { format: "raw" }) : new Webhook(secret);
    hook.verify(Buffer.from(body_base64, "base64"), headers);
    return "ok";
  } catch (e) {
    return String(e.message);
  }
});
process.stdout.write(JSON.stringify(results));

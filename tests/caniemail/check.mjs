// Reads an HTML email on stdin; prints caniemail.com's verdict for the named clients as JSON:
// {"success": bool, "errors": [...], "warnings": [...], "notes": [...]}.
import { readFileSync } from "node:fs";
import { doIUseEmail } from "@jsx-email/doiuse-email";

const html = readFileSync(0, "utf8");
const clients = process.argv.slice(2);
const result = doIUseEmail(html, { emailClients: clients.length ? clients : ["*"] });
process.stdout.write(JSON.stringify({ errors: [], warnings: [], notes: [], ...result }));

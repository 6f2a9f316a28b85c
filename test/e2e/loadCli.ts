/**
 * The load generator of load.ts as a process, for a front door that only a network namespace
 * reaches (a private daemon's): `nsenter --net=<ns> -- tsx test/e2e/loadCli.ts <url> <rate>` loads
 * `url` until its stdin closes, then prints the LoadReport as one line of JSON.
 */
import { startLoad } from "./load";

const [url, rate] = process.argv.slice(2);
if (url === undefined || !(Number(rate) > 0)) {
  console.error("usage: loadCli.ts <url on 127.0.0.1> <requests per second>");
  process.exit(2);
}
const load = startLoad(url, { ratePerSecond: Number(rate) });
process.stdin.resume();
process.stdin.on("end", () => {
  void load.stop().then((report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  });
});

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  MANIFEST_ACCEPT,
  type RegistryError,
  isRegistryError,
  ecrCredentials,
  formatReference,
  parseChallenge,
  parseReference,
  parseRepository,
  ping,
  registryUrl,
  resolveTag,
} from "../../../../lib/image/registry";
import { builtInBeforeAll } from "../../components/built";

const DIGEST = "sha256:" + "ab".repeat(32);

describe("parseRepository", () => {
  it("splits an ECR repository URL into registry and path", () => {
    expect(parseRepository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/phoenix/web")).toEqual({
      registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      repository: "phoenix/web",
    });
  });

  it("rejects a repository without a registry host, naming the value and an example", () => {
    expect(() => parseRepository("phoenix/web")).toThrow(
      /must start with a registry host.*"phoenix\/web"/,
    );
  });

  it("rejects an uppercase path", () => {
    expect(() => parseRepository("127.0.0.1:5000/Phoenix")).toThrow(/lowercase.*"Phoenix"/);
  });
});

describe("parseReference", () => {
  it("parses tag and digest next to a registry port", () => {
    expect(parseReference(`127.0.0.1:5000/phoenix/web:1.2.3-0123456789ab@${DIGEST}`)).toEqual({
      registry: "127.0.0.1:5000",
      repository: "phoenix/web",
      tag: "1.2.3-0123456789ab",
      digest: DIGEST,
    });
    expect(parseReference("localhost:5000/web")).toEqual({
      registry: "localhost:5000",
      repository: "web",
    });
  });

  it("rejects a digest that is not sha256:<64 hex>", () => {
    expect(() => parseReference("127.0.0.1:5000/web@sha256:abc")).toThrow(
      /sha256:<64 lowercase hex>.*"sha256:abc"/,
    );
  });

  it("round-trips through formatReference", () => {
    const seg = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(seg, { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
        fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: undefined }),
        (path, tag, hex) => {
          const ref = {
            registry: "127.0.0.1:5000",
            repository: path.join("/"),
            ...(tag ? { tag } : {}),
            ...(hex ? { digest: `sha256:${hex}` } : {}),
          };
          expect(parseReference(formatReference(ref))).toEqual(ref);
        },
      ),
    );
  });
});

describe("ecrCredentials", () => {
  it("decodes ECR's base64 AWS:<password> token", () => {
    const token = Buffer.from("AWS:eyJwYXlsb2FkIjoi:with:colons").toString("base64");
    expect(ecrCredentials(token)).toEqual({
      username: "AWS",
      password: "eyJwYXlsb2FkIjoi:with:colons",
    });
  });

  it("rejects a token that is not base64 of user:password, without echoing it", () => {
    const secret = Buffer.from("just-a-password").toString("base64");
    let message = "";
    try {
      ecrCredentials(secret);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/authorizationToken: expected base64 of "<user>:<password>"/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain("just-a-password");
  });
});

describe("registryUrl", () => {
  it("uses http for loopback registries and https elsewhere", () => {
    expect(registryUrl({ registry: "127.0.0.1:5000" })).toBe("http://127.0.0.1:5000");
    expect(registryUrl({ registry: "localhost:5000" })).toBe("http://localhost:5000");
    expect(registryUrl({ registry: "1.dkr.ecr.us-east-1.amazonaws.com" })).toBe(
      "https://1.dkr.ecr.us-east-1.amazonaws.com",
    );
  });
});

describe("parseChallenge", () => {
  it("reads quoted and bare parameters", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service=registry.example,scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.example/token",
        service: "registry.example",
        scope: "repository:a/b:pull",
      },
    });
    expect(parseChallenge('Basic realm="https://1.dkr.ecr.us-east-1.amazonaws.com/"').scheme).toBe(
      "basic",
    );
  });
});

/**
 * A small HTTP server speaking the registry's auth handshakes, to exercise the client's protocol
 * handling without Docker. The real distribution registry is exercised in test/e2e/registry.test.ts.
 */
type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;
let handler: Handler = (_req, res) => res.writeHead(500).end();
let server: Server;
let registry = "";
const seen: { method?: string; url?: string; authorization?: string; accept?: string }[] = [];

// Started once for the describes that talk to it; each awaits it, so a server that does not start
// fails their tests (a throwing file-level beforeAll would only skip them, which a mutation run
// counts as passing).
const started = builtInBeforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
    });
    handler(req, res, `http://${registry}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function basicOf(user: string, pass: string): string {
  return "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
}

describe("resolveTag", () => {
  beforeEach(async () => {
    await started();
  });

  it("answers a Basic challenge (ECR style) and returns Docker-Content-Digest", async () => {
    seen.length = 0;
    handler = (req, res) => {
      if (req.headers.authorization !== basicOf("AWS", "pw")) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="ecr"' }).end();
      } else res.writeHead(200, { "docker-content-digest": DIGEST }).end();
    };
    const credentials = ecrCredentials(Buffer.from("AWS:pw").toString("base64"));
    await expect(
      resolveTag({ registry, credentials, repository: "phoenix/web", tag: "1.0.0-abc" }),
    ).resolves.toBe(DIGEST);
    expect(seen.map((s) => s.method)).toEqual(["HEAD", "HEAD"]);
    expect(seen[0]).toMatchObject({
      url: "/v2/phoenix/web/manifests/1.0.0-abc",
      accept: MANIFEST_ACCEPT,
    });
  });

  it("fetches a bearer token from the challenge's realm with the scope for the repository", async () => {
    seen.length = 0;
    handler = (req, res, base) => {
      if (req.url?.startsWith("/token")) {
        const q = new URL(req.url, base).searchParams;
        const ok =
          req.headers.authorization === basicOf("u", "p") &&
          q.get("scope") === "repository:phoenix/web:pull";
        res
          .writeHead(ok ? 200 : 401, { "content-type": "application/json" })
          .end(JSON.stringify({ token: "t0k" }));
      } else if (req.headers.authorization === "Bearer t0k") {
        res.writeHead(200, { "docker-content-digest": DIGEST }).end();
      } else {
        res
          .writeHead(401, { "www-authenticate": `Bearer realm="${base}/token",service="reg"` })
          .end();
      }
    };
    const credentials = { username: "u", password: "p" };
    await expect(
      resolveTag({ registry, credentials, repository: "phoenix/web", tag: "v1" }),
    ).resolves.toBe(DIGEST);
    expect(seen.map((s) => s.url?.split("?")[0])).toEqual([
      "/v2/phoenix/web/manifests/v1",
      "/token",
      "/v2/phoenix/web/manifests/v1",
    ]);
  });

  it("returns undefined for a missing tag", async () => {
    handler = (_req, res) => res.writeHead(404).end();
    await expect(
      resolveTag({ registry, repository: "phoenix/web", tag: "absent" }),
    ).resolves.toBeUndefined();
  });

  it("hashes the manifest bytes when HEAD omits Docker-Content-Digest", async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
    });
    handler = (req, res) => res.writeHead(200).end(req.method === "GET" ? manifest : undefined);
    const want = "sha256:" + createHash("sha256").update(manifest).digest("hex");
    await expect(resolveTag({ registry, repository: "phoenix/web", tag: "v1" })).resolves.toBe(
      want,
    );
  });

  it("reports refused credentials as unauthorized, naming the registry and the fix", async () => {
    handler = (_req, res) => res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end();
    const err = await resolveTag({
      registry,
      credentials: { username: "u", password: "wrong-secret" },
      repository: "phoenix/web",
      tag: "v1",
    }).catch((e: unknown) => e);
    expect(isRegistryError(err)).toBe(true);
    expect((err as RegistryError).kind).toBe("unauthorized");
    expect((err as Error).message).toContain(
      `registry ${registry} refused access to phoenix/web (HTTP 401)`,
    );
    expect((err as Error).message).toMatch(/check the registry username and password/);
    expect((err as Error).message).not.toContain("wrong-secret");
  });

  it("asks for credentials when an anonymous request is challenged", async () => {
    handler = (_req, res) => res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end();
    await expect(resolveTag({ registry, repository: "phoenix/web", tag: "v1" })).rejects.toThrow(
      /pass registry credentials/,
    );
  });

  it("reports a server error as a protocol error with the status", async () => {
    handler = (_req, res) => res.writeHead(503).end();
    await expect(resolveTag({ registry, repository: "phoenix/web", tag: "v1" })).rejects.toThrow(
      /HEAD \/v2\/phoenix\/web\/manifests\/v1 answered HTTP 503/,
    );
  });

  it("reports a closed port as unreachable, naming the registry", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await resolveTag({
      registry: `127.0.0.1:${port}`,
      repository: "web",
      tag: "v1",
    }).catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe("unreachable");
    expect((err as Error).message).toMatch(
      new RegExp(
        `registry 127.0.0.1:${port} is unreachable .*ECONNREFUSED.*check that the registry is running`,
      ),
    );
  });

  it("rejects an invalid tag before any request", async () => {
    seen.length = 0;
    await expect(resolveTag({ registry, repository: "web", tag: "bad tag" })).rejects.toThrow(
      /tag: .*"bad tag"/,
    );
    expect(seen).toEqual([]);
  });
});

describe("ping", () => {
  beforeEach(async () => {
    await started();
  });

  it("passes when /v2/ answers 200 and fails naming the status otherwise", async () => {
    handler = (req, res) => res.writeHead(req.url === "/v2/" ? 200 : 404).end();
    await expect(ping({ registry })).resolves.toBeUndefined();
    handler = (_req, res) => res.writeHead(404).end();
    await expect(ping({ registry })).rejects.toThrow(/GET \/v2\/ answered HTTP 404/);
  });
});

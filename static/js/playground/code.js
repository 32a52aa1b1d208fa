// "View code": the request as curl, Python requests, the openai SDK and JavaScript fetch,
// against this site's own OpenAI-compatible /v1 with a personal API token. The upstream's key
// stays on the server; the code reads the token from OCTOPLAY_API_KEY, never holds one.

export const KEY_VARIABLE = "OCTOPLAY_API_KEY";

function pythonLiteral(value, indent = 0) {
  const pad = " ".repeat(indent);
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return `[\n${value.map((item) => `${pad}    ${pythonLiteral(item, indent + 4)}`).join(",\n")},\n${pad}]`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  return `{\n${entries.map(([k, v]) => `${pad}    ${JSON.stringify(k)}: ${pythonLiteral(v, indent + 4)}`).join(",\n")},\n${pad}}`;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

function curl(body, url) {
  return [
    `curl ${body.stream ? "-N " : ""}${shellQuote(url)} \\`,
    `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d ${shellQuote(JSON.stringify(body, null, 2))}`,
  ].join("\n");
}

function pythonRequests(body, url) {
  const printing = body.stream
    ? [
      "for line in response.iter_lines():",
      '    if line.startswith(b"data: ") and line != b"data: [DONE]":',
      '        for choice in json.loads(line[6:])["choices"]:',
      '            print(choice["delta"].get("content") or "", end="", flush=True)',
      "print()",
    ]
    : ['message = response.json()["choices"][0]["message"]', 'print(message.get("content") or message)'];
  return [
    ...(body.stream ? ["import json"] : []),
    "import os",
    "",
    "import requests",
    "",
    `payload = ${pythonLiteral(body)}`,
    "response = requests.post(",
    `    ${JSON.stringify(url)},`,
    `    headers={"Authorization": f"Bearer {os.environ['${KEY_VARIABLE}']}"},`,
    "    json=payload,",
    "    timeout=120,",
    ...(body.stream ? ["    stream=True,"] : []),
    ")",
    "response.raise_for_status()",
    ...printing,
  ].join("\n");
}

function pythonOpenAI(body, base) {
  const { model, messages, stream, ...rest } = body;
  const args = [`    model=${JSON.stringify(model)},`, `    messages=${pythonLiteral(messages, 4)},`];
  for (const [key, value] of Object.entries(rest)) args.push(`    ${key}=${pythonLiteral(value, 4)},`);
  if (stream) args.push("    stream=True,");
  const printing = stream
    ? [
      "for chunk in completion:",
      "    if chunk.choices:",
      '        print(chunk.choices[0].delta.content or "", end="", flush=True)',
      "print()",
    ]
    : ["message = completion.choices[0].message", "print(message.content or message)"];
  return [
    "import os",
    "",
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${JSON.stringify(base)}, api_key=os.environ["${KEY_VARIABLE}"])`,
    "completion = client.chat.completions.create(",
    ...args,
    ")",
    ...printing,
  ].join("\n");
}

function javascriptFetch(body, url) {
  const printing = body.stream
    ? [
      "// Server-sent events: one JSON chunk per `data:` line, then `data: [DONE]`.",
      "const decoder = new TextDecoder();",
      'let buffer = "";',
      "for await (const piece of response.body) {",
      "  buffer += decoder.decode(piece, { stream: true });",
      '  const lines = buffer.split("\\n");',
      "  buffer = lines.pop();",
      "  for (const line of lines) {",
      '    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;',
      '    process.stdout.write(JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? "");',
      "  }",
      "}",
      'process.stdout.write("\\n");',
    ]
    : [
      "const { choices } = await response.json();",
      "console.log(choices[0].message.content ?? choices[0].message);",
    ];
  return [
    "// Node 18+, as an ES module (e.g. request.mjs): the token stays out of the browser.",
    `const response = await fetch(${JSON.stringify(url)}, {`,
    '  method: "POST",',
    "  headers: {",
    `    Authorization: \`Bearer \${process.env.${KEY_VARIABLE}}\`,`,
    '    "Content-Type": "application/json",',
    "  },",
    `  body: JSON.stringify(${JSON.stringify(body, null, 2).replaceAll("\n", "\n  ")}),`,
    "});",
    "if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);",
    ...printing,
  ].join("\n");
}

const WRITERS = { curl, requests: pythonRequests, openai: pythonOpenAI, fetch: javascriptFetch };

// `apiBase` is this site's /v1 (absolute); the body is sent as it is.
export function codeFor(lang, body, apiBase) {
  const base = apiBase.replace(/\/$/, "");
  return WRITERS[lang](body, lang === "openai" ? base : `${base}/chat/completions`);
}

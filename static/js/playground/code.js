// "View code": the exact request as curl, Python requests and the openai SDK, against the
// upstream's base URL. The key is always a placeholder read from the environment.

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

export function codeFor(lang, body, baseUrl) {
  const base = baseUrl.replace(/\/$/, "");
  if (lang === "curl") {
    return [
      `curl ${base}/chat/completions \\`,
      `  -H "Authorization: Bearer $OCTOPUSX_API_KEY" \\`,
      `  -H "Content-Type: application/json" \\`,
      `  -d ${shellQuote(JSON.stringify(body, null, 2))}`,
    ].join("\n");
  }
  if (lang === "requests") {
    return [
      "import os",
      "",
      "import requests",
      "",
      `payload = ${pythonLiteral(body)}`,
      "response = requests.post(",
      `    ${JSON.stringify(`${base}/chat/completions`)},`,
      '    headers={"Authorization": f"Bearer {os.environ[\'OCTOPUSX_API_KEY\']}"},',
      "    json=payload,",
      "    timeout=120,",
      ...(body.stream ? ["    stream=True,", ")", "for line in response.iter_lines():", "    if line:", "        print(line.decode())"] : [")", "response.raise_for_status()", 'print(response.json()["choices"][0]["message"])']),
    ].join("\n");
  }
  const { model, messages, stream, ...rest } = body;
  const args = [`    model=${JSON.stringify(model)},`, `    messages=${pythonLiteral(messages, 4)},`];
  for (const [key, value] of Object.entries(rest)) args.push(`    ${key}=${pythonLiteral(value, 4)},`);
  if (stream) args.push("    stream=True,");
  return [
    "import os",
    "",
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${JSON.stringify(base)}, api_key=os.environ["OCTOPUSX_API_KEY"])`,
    "completion = client.chat.completions.create(",
    ...args,
    ")",
    ...(stream ? ["for chunk in completion:", "    print(chunk.choices[0].delta.content or \"\", end=\"\") if chunk.choices else None"] : ["print(completion.choices[0].message)"]),
  ].join("\n");
}

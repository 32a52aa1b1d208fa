"""The offline demo upstream: a real HTTP server speaking the Chat Completions wire protocol,
for demo mode and tests; nothing in the request pipeline imports it except completions/demo.py."""

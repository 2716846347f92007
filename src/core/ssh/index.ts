// The SSH layer (ssh2), bundled apart as dist/ssh.js and loaded on first use.
export {};

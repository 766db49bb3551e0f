#!/usr/bin/env node
// `provenfee`: runs the TypeScript CLI in this very process, so the pid a shell, a supervisor or
// systemd holds is the job itself and its signals (SIGTERM, SIGINT) reach the keeper's or the
// demo's own handlers. tsx's loader is resolved from this package, not from the caller's folder.
import { register } from "tsx/esm/api";

register();
await import("../cli/provenfee.ts");

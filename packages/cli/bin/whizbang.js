#!/usr/bin/env node
// Installed as the whizbang command. It is committed, unlike dist, so package managers can link
// it before the first build; it only loads the compiled CLI.
import '../dist/bin.js';

import { config } from 'zod';

// Under a CSP without 'unsafe-eval', zod's JIT probe (`new Function`) is a reported violation; parse without it.
config({ jitless: true });

/**
 * The project root: the folder of this package's package.json. Notebooks, assets, templates,
 * Local AgentCore's default state folder and the CLIs are all found from here.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

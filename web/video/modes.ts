/** The transports this build has, by the mode the relay's `ready` names (the mesh fallback adds `mesh`). */
import type { ModeClient } from './client.js';
import { MeshClient } from './mesh.js';
import { SfuClient } from './sfu.js';

export const MODES: Partial<Record<'sfu' | 'mesh', ModeClient>> = { sfu: SfuClient, mesh: MeshClient };

// Every fault `operator chaos` can inject into a local rate-limiter cluster.
import type { FaultDefinition } from "../../../lib/chaos/fault.ts";
import { hotKey, staleKey } from "./key-faults.ts";
import { partition, redisLatency } from "./link-faults.ts";
import { nodeDrain, nodeKill, nodePause } from "./node-faults.ts";
import { redisKill, redisOom, redisPause } from "./redis-faults.ts";

export const faults: FaultDefinition[] = [nodeKill, nodePause, nodeDrain, redisPause, redisKill, redisLatency, partition, redisOom, staleKey, hotKey];

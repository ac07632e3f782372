// Real Node.js applications against a Redis-compatible server (kevy-server's
// integration tests run this, tests/it/node_clients.rs):
//
//   node script.js PORT bullmq [JOBS] [PREFIX]  BullMQ: JOBS jobs (10,000 by default),
//                                              4 workers; keys under PREFIX ("bull" by default)
//   node script.js PORT redlock KEY_A KEY_B  redlock v5: a lock on both resources at once
//
// Prints `name value` lines the test asserts on, plus timing lines starting
// with `time_` (figures only, never asserted). Exits 1 on any check failing.
"use strict";

const { Queue, Worker } = require("bullmq");
const Redis = require("ioredis");
const { default: Redlock } = require("redlock");

const port = Number(process.argv[2]);
const mode = process.argv[3];
const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };

function fail(msg) {
  console.log(`FAILED ${msg}`);
  process.exitCode = 1;
}

// Job i's plan: every 10th is delayed, every 13th fails its first attempt,
// every 39th its first two (attempts: 3, fixed backoff).
const delayOf = (i) => (i % 10 === 0 ? 100 + (i % 7) * 50 : 0);
const failuresOf = (i) => (i % 39 === 0 ? 2 : i % 13 === 0 ? 1 : 0);

async function bullmq(jobs, prefix) {
  const name = "kevy-it";
  const queue = new Queue(name, { connection, prefix });
  await queue.waitUntilReady();
  const start = Date.now();
  for (let from = 0; from < jobs; from += 500) {
    const batch = [];
    for (let i = from; i < Math.min(jobs, from + 500); i++) {
      batch.push({
        name: "job",
        data: { i },
        opts: {
          jobId: `j${i}`,
          delay: delayOf(i),
          attempts: 3,
          backoff: { type: "fixed", delay: 20 },
        },
      });
    }
    await queue.addBulk(batch);
  }
  const added = Date.now();

  const runs = new Map(); // job id -> processor invocations
  const successes = new Map(); // job id -> successful invocations
  const completedEvents = new Map();
  let failedEvents = 0;
  let done;
  const allDone = new Promise((resolve) => (done = resolve));
  const processor = async (job) => {
    const i = job.data.i;
    const n = (runs.get(job.id) || 0) + 1;
    runs.set(job.id, n);
    if (n <= failuresOf(i)) throw new Error(`planned failure ${n} of job ${i}`);
    successes.set(job.id, (successes.get(job.id) || 0) + 1);
    return i * 2;
  };
  const workers = [];
  for (let w = 0; w < 4; w++) {
    const worker = new Worker(name, processor, { connection, prefix, concurrency: 8 });
    worker.on("completed", (job) => {
      completedEvents.set(job.id, (completedEvents.get(job.id) || 0) + 1);
      if (completedEvents.size === jobs) done();
    });
    worker.on("failed", () => failedEvents++);
    worker.on("error", (e) => fail(`worker error ${e}`));
    workers.push(worker);
  }
  // A guard against a hang, not a time limit: fail only when no job has
  // completed for three minutes.
  let seen = 0;
  let lastProgress = Date.now();
  const watchdog = setInterval(() => {
    if (completedEvents.size > seen) {
      seen = completedEvents.size;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > 180_000) {
      done("stalled");
    }
  }, 1000);
  const outcome = await allDone;
  clearInterval(watchdog);
  const finished = Date.now();
  if (outcome === "stalled") fail(`stalled with ${completedEvents.size} of ${jobs} completed`);
  await Promise.all(workers.map((w) => w.close()));

  let exactlyOnce = 0;
  let runsTotal = 0;
  let plannedFailures = 0;
  let retried = 0;
  let delayed = 0;
  let lateDelay = 0;
  for (let i = 0; i < jobs; i++) {
    const id = `j${i}`;
    plannedFailures += failuresOf(i);
    if (failuresOf(i) > 0) retried++;
    if (successes.get(id) === 1 && completedEvents.get(id) === 1) exactlyOnce++;
    runsTotal += runs.get(id) || 0;
  }
  // Delayed jobs: none processed before its delay ran out (sampled, with
  // the server's own timestamps on the job hash).
  for (let i = 0; i < jobs; i += 10) {
    const job = await queue.getJob(`j${i}`);
    delayed++;
    if (!job || job.processedOn - job.timestamp < delayOf(i)) lateDelay++;
    if (!job || job.returnvalue !== i * 2) fail(`job ${i} returned ${job && job.returnvalue}`);
  }
  const counts = await queue.getJobCounts("completed", "failed", "delayed", "wait", "active");
  console.log(`jobs ${jobs}`);
  console.log(`completed ${completedEvents.size}`);
  console.log(`exactly_once ${exactlyOnce}`);
  console.log(`runs ${runsTotal}`);
  console.log(`expected_runs ${jobs + plannedFailures}`);
  console.log(`failed_attempts ${failedEvents}`);
  console.log(`expected_failed_attempts ${plannedFailures}`);
  console.log(`retried_jobs ${retried}`);
  console.log(`delayed_jobs_checked ${delayed}`);
  console.log(`delayed_too_early ${lateDelay}`);
  console.log(
    `counts completed=${counts.completed} failed=${counts.failed} delayed=${counts.delayed} wait=${counts.wait} active=${counts.active}`
  );
  const secs = (finished - added) / 1000;
  console.log(`time_add_s ${((added - start) / 1000).toFixed(2)}`);
  console.log(`time_process_s ${secs.toFixed(2)}`);
  console.log(`time_jobs_per_s ${(jobs / secs).toFixed(0)}`);
  await queue.close();
}

async function redlock(keyA, keyB) {
  const client = new Redis(connection);
  const lock = new Redlock([client], { retryCount: 2000, retryDelay: 5, retryJitter: 5 });
  const counter = `${keyA}:count`;
  const tasks = 8;
  const rounds = 25;
  let inside = 0;
  let overlaps = 0;
  let acquired = 0;
  let extended = 0;
  const task = async (t) => {
    for (let r = 0; r < rounds; r++) {
      const held = await lock.acquire([keyA, keyB], 5000);
      acquired++;
      if (inside++ > 0) overlaps++;
      // A read-modify-write with a pause between: only the lock keeps it exact.
      const v = Number((await client.get(counter)) || 0);
      await new Promise((r) => setTimeout(r, 1));
      await client.set(counter, String(v + 1));
      if ((t + r) % 5 === 0) {
        await held.extend(5000);
        extended++;
      }
      inside--;
      await held.release();
    }
  };
  await Promise.all(Array.from({ length: tasks }, (_, t) => task(t)));
  // A lock another holder has is refused, and releasing it leaves the keys.
  const first = await lock.acquire([keyA, keyB], 5000);
  let refused = 0;
  try {
    await lock.acquire([keyB], 5000, { retryCount: 0 });
  } catch (e) {
    refused = 1;
  }
  await first.release();
  const left = await client.exists(keyA, keyB);
  console.log(`redlock_acquired ${acquired}`);
  console.log(`redlock_extended ${extended}`);
  console.log(`redlock_overlaps ${overlaps}`);
  console.log(`redlock_counter ${await client.get(counter)}`);
  console.log(`redlock_refused ${refused}`);
  console.log(`redlock_left ${left}`);
  await client.quit();
}

async function main() {
  if (mode === "bullmq") await bullmq(Number(process.argv[4] || 10000), process.argv[5] || "bull");
  else if (mode === "redlock") await redlock(process.argv[4], process.argv[5]);
  else fail(`usage: node script.js PORT bullmq [JOBS] [PREFIX] | redlock KEY_A KEY_B`);
}

main().catch((e) => {
  fail(`${e && e.stack}`);
  process.exit(1);
});

// The Kafdo README's "MongoDB CDC" example, as written, wrapped in a function that gives it `env` and the
// `cdcEvents` it sends in a batch.
import { createKafdoPipeline, type CDCEvent } from '../../../integrations/index'

export async function mongodbCdcExample(env: Env, cdcEvents: CDCEvent[]) {
  // Create a pipeline that routes events to topics based on database/collection
  const pipeline = createKafdoPipeline({
    env,
    topicPattern: 'cdc.{db}.{coll}', // e.g., cdc.mydb.users
  })

  // Send a CDC event (typically from a MongoDB change stream)
  await pipeline.send({
    eventId: 'evt-123',
    operationType: 'insert',
    ns: { db: 'mydb', coll: 'users' },
    documentKey: { _id: 'user-456' },
    fullDocument: { _id: 'user-456', name: 'Alice', email: 'alice@example.com' },
    timestamp: new Date().toISOString(),
  })

  // Send multiple events in a batch
  await pipeline.sendBatch(cdcEvents)
}

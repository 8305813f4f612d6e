import { describe, expect, it } from 'vitest'
import { overEnv, overHttp, unique, until } from './support'

describe('smoke', () => {
  for (const [name, make] of [
    ['http', overHttp],
    ['env', overEnv],
  ] as const) {
    it(`produces and consumes over ${name}`, async () => {
      const kafka = make()
      const topic = unique('smoke')
      const admin = kafka.admin()
      await admin.connect()
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(true)
      const producer = kafka.producer()
      await producer.connect()
      const sent = await producer.send({
        topic,
        messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }, { value: Buffer.from([1, 2, 3]) }],
      })
      console.log(JSON.stringify(sent))
      const consumer = kafka.consumer({ groupId: unique('g') })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const seen: string[] = []
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString('hex'))
        },
      })
      await until(() => seen.length === 3, 'messages')
      await consumer.disconnect()
      console.log(seen)
    })
  }
})

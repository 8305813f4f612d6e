import { describe, expect, it } from 'vitest'
import { createTopic, fetchMessages, latestOffsets, produceBatch, request, uniqueName } from '../support/http'

const avroOrder = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'shop', fields })
const register = (subject: string, schema: string, schemaType?: string) =>
  request('POST', `/subjects/${subject}/versions`, { schema, ...(schemaType ? { schemaType } : {}) })

describe('Schema registry', () => {
  it('registers versions, shares ids, and serves subjects, versions and ids as Confluent does', async () => {
    const subject = `${uniqueName('orders')}-value`
    const v1 = avroOrder([{ name: 'id', type: 'string' }])
    const first = await register(subject, v1)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ id: expect.any(Number) })
    expect((await register(subject, JSON.stringify(JSON.parse(v1), null, 2))).body).toEqual(first.body)
    const v2 = avroOrder([
      { name: 'id', type: 'string' },
      { name: 'note', type: ['null', 'string'], default: null },
    ])
    const second = await register(subject, v2)
    expect(second.body.id).not.toBe(first.body.id)
    expect((await request('GET', '/subjects')).body).toContain(subject)
    expect((await request('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2])
    expect((await request('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({
      subject,
      version: 2,
      id: second.body.id,
      schemaType: 'AVRO',
    })
    expect((await request('GET', `/schemas/ids/${first.body.id}`)).body).toEqual({ schema: v1, schemaType: 'AVRO' })
    expect((await request('GET', `/subjects/${subject}/versions/9`)).status).toBe(404)
    expect((await request('GET', '/subjects/nobody-value/versions')).body.error.code).toBe('SUBJECT_NOT_FOUND')
    expect((await request('GET', '/schemas/ids/999999')).body.error.code).toBe('SCHEMA_NOT_FOUND')
  })

  it('refuses an invalid schema with 422 and registers nothing', async () => {
    const subject = `${uniqueName('bad')}-value`
    const res = await register(subject, '{"type": "recordz"}')
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('INVALID_SCHEMA')
    expect((await request('GET', `/subjects/${subject}/versions`)).status).toBe(404)
  })

  it('checks compatibility on registration by the subject mode', async () => {
    const subject = `${uniqueName('compat')}-value`
    await register(subject, avroOrder([{ name: 'id', type: 'string' }]))
    // BACKWARD (the default): a new required field without a default cannot read old data.
    const required = await register(
      subject,
      avroOrder([
        { name: 'id', type: 'string' },
        { name: 'qty', type: 'int' },
      ]),
    )
    expect(required.status).toBe(409)
    expect(required.body.error.code).toBe('INCOMPATIBLE_SCHEMA')
    const test = await request('POST', `/compatibility/subjects/${subject}/versions/latest`, {
      schema: avroOrder([
        { name: 'id', type: 'string' },
        { name: 'qty', type: 'int' },
      ]),
    })
    expect(test.body.is_compatible).toBe(false)
    expect((await request('PUT', `/config/${subject}`, { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' })
    expect((await request('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' })
    expect(
      (
        await register(
          subject,
          avroOrder([
            { name: 'id', type: 'string' },
            { name: 'qty', type: 'int' },
          ]),
        )
      ).status,
    ).toBe(200)
    expect((await request('PUT', `/config/${subject}`, { compatibility: 'SOMETIMES' })).status).toBe(400)
  })

  it('deletes a version and a subject', async () => {
    const subject = `${uniqueName('del')}-value`
    await register(subject, avroOrder([{ name: 'id', type: 'string' }]))
    await register(
      subject,
      avroOrder([
        { name: 'id', type: 'string' },
        { name: 'n', type: 'long', default: 0 },
      ]),
    )
    expect((await request('DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1)
    expect((await request('GET', `/subjects/${subject}/versions`)).body).toEqual([2])
    expect((await request('DELETE', `/subjects/${subject}`)).body).toEqual([2])
    expect((await request('GET', `/subjects/${subject}/versions`)).status).toBe(404)
  })
})

describe('Schema validation on produce', () => {
  async function validatedTopic(schema: string, schemaType?: string) {
    const topic = uniqueName('validated')
    await createTopic(topic, 2, { 'confluent.value.schema.validation': 'true' })
    const registered = await register(`${topic}-value`, schema, schemaType)
    expect(registered.status).toBe(200)
    return { topic, id: registered.body.id as number }
  }

  it('accepts valid Avro records, stamping the schema id, and refuses a batch with one invalid record whole', async () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'Order',
      fields: [
        { name: 'id', type: 'string' },
        {
          name: 'customer',
          type: {
            type: 'record',
            name: 'Customer',
            fields: [{ name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'zip', type: 'string' }] } }],
          },
        },
        { name: 'qty', type: 'int' },
      ],
    })
    const { topic, id } = await validatedTopic(schema)
    const good = { id: 'o-1', customer: { address: { zip: '10115' } }, qty: 2 }
    const ok = await produceBatch(topic, [{ key: 'a', value: good, partition: 0 }])
    expect(ok.status).toBe(200)
    expect((await fetchMessages(topic, 0)).body.messages[0].headers).toEqual({ 'kafdo-schema-id': String(id) })
    const bad = await produceBatch(topic, [
      { key: 'b', value: good, partition: 1 },
      { key: 'c', value: { ...good, customer: { address: { zip: 10115 } } } },
    ])
    expect(bad.status).toBe(422)
    expect(bad.body.error).toMatchObject({ code: 'INVALID_RECORD', details: { index: 1, schemaId: id } })
    expect(bad.body.error.details.errors.map((e: { path: string }) => e.path)).toContain('/customer/address/zip')
    expect(await latestOffsets(topic)).toEqual([1, 0])
  })

  it('validates JSON Schema records with nested paths', async () => {
    const schema = JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['eventType', 'data'],
      properties: { eventType: { type: 'string' }, data: { type: 'object', required: ['userId'], properties: { userId: { type: 'string' } } } },
    })
    const { topic } = await validatedTopic(schema, 'JSON')
    expect((await produceBatch(topic, [{ value: { eventType: 'user.registered', data: { userId: 'u1' } } }])).status).toBe(200)
    const bad = await produceBatch(topic, [{ value: { eventType: 'user.registered', data: { userId: 7 } } }])
    expect(bad.status).toBe(422)
    expect(bad.body.error.details.errors.map((e: { path: string }) => e.path)).toContain('/data/userId')
  })

  it('refuses records for a validated topic whose subject has no schema', async () => {
    const topic = uniqueName('noschema')
    await createTopic(topic, 1, { 'confluent.value.schema.validation': 'true' })
    const res = await produceBatch(topic, [{ value: {} }])
    expect(res.status).toBe(422)
    expect(await latestOffsets(topic)).toEqual([0])
  })
})

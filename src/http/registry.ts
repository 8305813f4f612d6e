/**
 * The schema registry over HTTP: the Confluent Schema Registry REST paths (`/subjects`, `/schemas/ids`,
 * `/config`, `/compatibility`), so its clients can register and look up schemas. Reading needs
 * `topic:read` on the subject's topic (the subject without `-value`/`-key`); changing needs `topic:config`.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { compatibilityConfigSchema, registerSchemaRequestSchema, subjectSchema, versionParamSchema } from '../protocol/schemas.js'
import { forgetSchema } from '../services/schemas.js'
import { attempt, call, clusterStub } from '../services/stubs.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param } from './validate.js'

export const registryRoutes = new Hono<AppEnv>()

const topicOf = (subject: string) => subject.replace(/-(value|key)$/, '')
const subjectParam = (c: Context<AppEnv>) => param(c, 'subject', subjectSchema)
const versionParam = (c: Context<AppEnv>) => param(c, 'version', versionParamSchema)

registryRoutes.get('/subjects', async (c) => {
  await authorize(c, 'topic:read')
  const subjects = await attempt(() => clusterStub(c.env).subjects(c.get('tenant')))
  return c.json(visible(c, 'topic:read', subjects, topicOf))
})

registryRoutes.get('/subjects/:subject/versions', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json(await call(() => clusterStub(c.env).subjectVersions(c.get('tenant'), subject)))
})

registryRoutes.post('/subjects/:subject/versions', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const { schema, schemaType = 'AVRO' } = await jsonBody(c, registerSchemaRequestSchema)
  const registered = await call(() => clusterStub(c.env).registerSchema(c.get('tenant'), subject, schemaType, schema))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:register', subject, { id: registered.id, version: registered.version, schemaType })
  return c.json({ id: registered.id })
})

registryRoutes.get('/subjects/:subject/versions/:version', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json(await call(() => clusterStub(c.env).schemaVersion(c.get('tenant'), subject, versionParam(c))))
})

registryRoutes.get('/subjects/:subject/versions/:version/schema', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  const version = await call(() => clusterStub(c.env).schemaVersion(c.get('tenant'), subject, versionParam(c)))
  return c.body(version.schema, 200, { 'content-type': 'application/json' })
})

registryRoutes.delete('/subjects/:subject/versions/:version', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const deleted = await call(() => clusterStub(c.env).deleteSchemaVersion(c.get('tenant'), subject, versionParam(c)))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:delete', subject, { version: deleted })
  return c.json(deleted)
})

registryRoutes.delete('/subjects/:subject', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const deleted = await call(() => clusterStub(c.env).deleteSubject(c.get('tenant'), subject))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:delete', subject, { versions: deleted })
  return c.json(deleted)
})

registryRoutes.get('/schemas/ids/:id', async (c) => {
  // An id does not say which subject (or topic) it belongs to: reading by id needs topic:read on all.
  await authorize(c, 'topic:read', '*')
  const id = param(c, 'id', z.coerce.number().int().min(1))
  return c.json(await call(() => clusterStub(c.env).schemaById(c.get('tenant'), id)))
})

registryRoutes.get('/config', async (c) => {
  await authorize(c, 'topic:read')
  return c.json({ compatibilityLevel: await attempt(() => clusterStub(c.env).compatibility(c.get('tenant'))) })
})

registryRoutes.put('/config', async (c) => {
  await authorize(c, 'admin')
  const { compatibility } = await jsonBody(c, compatibilityConfigSchema)
  await attempt(() => clusterStub(c.env).setCompatibility(c.get('tenant'), undefined, compatibility))
  await audited(c, 'schema:config', '*', { compatibility })
  return c.json({ compatibility })
})

registryRoutes.get('/config/:subject', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json({ compatibilityLevel: await attempt(() => clusterStub(c.env).compatibility(c.get('tenant'), subject)) })
})

registryRoutes.put('/config/:subject', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const { compatibility } = await jsonBody(c, compatibilityConfigSchema)
  await attempt(() => clusterStub(c.env).setCompatibility(c.get('tenant'), subject, compatibility))
  await audited(c, 'schema:config', subject, { compatibility })
  return c.json({ compatibility })
})

registryRoutes.post('/compatibility/subjects/:subject/versions/:version', async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  const { schema, schemaType = 'AVRO' } = await jsonBody(c, registerSchemaRequestSchema)
  return c.json(await call(() => clusterStub(c.env).testCompatibility(c.get('tenant'), subject, versionParam(c), schemaType, schema)))
})

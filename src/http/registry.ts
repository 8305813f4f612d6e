/**
 * The schema registry over HTTP: the Confluent Schema Registry REST paths (`/subjects`, `/schemas/ids`,
 * `/config`, `/compatibility`), so its clients can register and look up schemas. Reading needs
 * `topic:read` on the subject's topic (the subject without `-value`/`-key`); changing needs `topic:config`.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { forgetSchema } from '../services/schemas.js'
import { attempt, call, metadataStub } from '../services/stubs.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/registry.js'
import { body, param } from './validate.js'

export const registryRoutes = new OpenAPIHono<AppEnv>()

const topicOf = (subject: string) => subject.replace(/-(value|key)$/, '')
/** The subject and version of the path: every route with them takes the same ones. */
const subjectParam = (c: Context<AppEnv>) => param(c, routes.getVersion, 'subject')
const versionParam = (c: Context<AppEnv>) => param(c, routes.getVersion, 'version')

serve(registryRoutes, routes.listSubjects, async (c) => {
  await authorize(c, 'topic:read')
  const subjects = await attempt(() => metadataStub(c.env, c.get('tenant')).subjects(c.get('tenant')))
  return c.json(visible(c, 'topic:read', subjects, topicOf))
})

serve(registryRoutes, routes.listVersions, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json(await call(() => metadataStub(c.env, c.get('tenant')).subjectVersions(c.get('tenant'), subject)))
})

serve(registryRoutes, routes.register, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const { schema, schemaType = 'AVRO' } = await body(c, routes.register)
  const registered = await call(() => metadataStub(c.env, c.get('tenant')).registerSchema(c.get('tenant'), subject, schemaType, schema))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:register', subject, { id: registered.id, version: registered.version, schemaType })
  return c.json({ id: registered.id })
})

serve(registryRoutes, routes.getVersion, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json(await call(() => metadataStub(c.env, c.get('tenant')).schemaVersion(c.get('tenant'), subject, versionParam(c))))
})

serve(registryRoutes, routes.getVersionSchema, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  const version = await call(() => metadataStub(c.env, c.get('tenant')).schemaVersion(c.get('tenant'), subject, versionParam(c)))
  return c.body(version.schema, 200, { 'content-type': 'application/json' })
})

serve(registryRoutes, routes.deleteVersion, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const deleted = await call(() => metadataStub(c.env, c.get('tenant')).deleteSchemaVersion(c.get('tenant'), subject, versionParam(c)))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:delete', subject, { version: deleted })
  return c.json(deleted)
})

serve(registryRoutes, routes.deleteSubject, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const deleted = await call(() => metadataStub(c.env, c.get('tenant')).deleteSubject(c.get('tenant'), subject))
  forgetSchema(c.get('tenant'), subject)
  await audited(c, 'schema:delete', subject, { versions: deleted })
  return c.json(deleted)
})

serve(registryRoutes, routes.schemaById, async (c) => {
  // An id does not say which subject (or topic) it belongs to: reading by id needs topic:read on all.
  await authorize(c, 'topic:read', '*')
  const id = param(c, routes.schemaById, 'id')
  return c.json(await call(() => metadataStub(c.env, c.get('tenant')).schemaById(c.get('tenant'), id)))
})

serve(registryRoutes, routes.getConfig, async (c) => {
  await authorize(c, 'topic:read')
  return c.json({ compatibilityLevel: await attempt(() => metadataStub(c.env, c.get('tenant')).compatibility(c.get('tenant'))) })
})

serve(registryRoutes, routes.setConfig, async (c) => {
  await authorize(c, 'admin')
  const { compatibility } = await body(c, routes.setConfig)
  await attempt(() => metadataStub(c.env, c.get('tenant')).setCompatibility(c.get('tenant'), undefined, compatibility))
  await audited(c, 'schema:config', '*', { compatibility })
  return c.json({ compatibility })
})

serve(registryRoutes, routes.getSubjectConfig, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  return c.json({ compatibilityLevel: await attempt(() => metadataStub(c.env, c.get('tenant')).compatibility(c.get('tenant'), subject)) })
})

serve(registryRoutes, routes.setSubjectConfig, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:config', topicOf(subject))
  const { compatibility } = await body(c, routes.setSubjectConfig)
  await attempt(() => metadataStub(c.env, c.get('tenant')).setCompatibility(c.get('tenant'), subject, compatibility))
  await audited(c, 'schema:config', subject, { compatibility })
  return c.json({ compatibility })
})

serve(registryRoutes, routes.testCompatibility, async (c) => {
  const subject = subjectParam(c)
  await authorize(c, 'topic:read', topicOf(subject))
  const { schema, schemaType = 'AVRO' } = await body(c, routes.testCompatibility)
  return c.json(
    await call(() => metadataStub(c.env, c.get('tenant')).testCompatibility(c.get('tenant'), subject, versionParam(c), schemaType, schema)),
  )
})

/**
 * Alert webhook subscriptions and consumer group health thresholds, kept by the tenant's
 * TenantMonitorDO. Without the TENANT_MONITOR binding these answer 503 SERVICE_UNAVAILABLE saying so;
 * topic and queue thresholds, kept with the topic, need no monitor to be set or read.
 */
import type { TenantMonitorDO } from '../../durable-objects/tenant-monitor.js'
import type { KafdoBindings } from '../../env.js'
import { KafdoError } from '../../protocol/errors.js'
import type {
  CreatedWebhook,
  CreateWebhookRequest,
  GroupHealthPolicy,
  GroupHealthThreshold,
  WebhookDelivery,
  WebhookDescription,
  WebhookUpdate,
} from '../../protocol/monitoring.js'
import { attempt, call, monitorStub } from '../stubs.js'

function monitor(env: KafdoBindings, tenant: string): DurableObjectStub<TenantMonitorDO> {
  const stub = monitorStub(env, tenant)
  if (!stub) {
    throw new KafdoError(
      'SERVICE_UNAVAILABLE',
      'alert webhooks and group health thresholds need the TENANT_MONITOR binding (see docs/monitoring.md)',
      {
        reason: 'TENANT_MONITOR_NOT_BOUND',
      },
    )
  }
  return stub
}

export function createWebhook(env: KafdoBindings, tenant: string, request: CreateWebhookRequest): Promise<CreatedWebhook> {
  return call(() => monitor(env, tenant).createWebhook(tenant, request))
}

export function listWebhooks(env: KafdoBindings, tenant: string): Promise<WebhookDescription[]> {
  return attempt(() => monitor(env, tenant).listWebhooks())
}

export function getWebhook(env: KafdoBindings, tenant: string, id: string): Promise<WebhookDescription> {
  return call(() => monitor(env, tenant).webhook(id))
}

export function updateWebhook(env: KafdoBindings, tenant: string, id: string, update: WebhookUpdate): Promise<WebhookDescription> {
  return call(() => monitor(env, tenant).updateWebhook(tenant, id, update))
}

/** SHA-256 digests of the subscriptions' secrets, by id (the secrets never leave the monitor). */
export function webhookSecretDigests(env: KafdoBindings, tenant: string): Promise<Record<string, string>> {
  return attempt(() => monitor(env, tenant).webhookSecretDigests())
}

export async function deleteWebhook(env: KafdoBindings, tenant: string, id: string): Promise<void> {
  await call(() => monitor(env, tenant).deleteWebhook(id))
}

export function webhookDeliveries(env: KafdoBindings, tenant: string, id: string, limit = 100): Promise<WebhookDelivery[]> {
  return call(() => monitor(env, tenant).deliveries(id, limit))
}

export function testWebhook(env: KafdoBindings, tenant: string, id: string): Promise<{ eventId: string }> {
  return call(() => monitor(env, tenant).testWebhook(tenant, id))
}

export async function groupHealthPolicy(env: KafdoBindings, tenant: string, groupId: string): Promise<GroupHealthPolicy> {
  return { thresholds: await attempt(() => monitor(env, tenant).groupThresholds(groupId)) }
}

export async function setGroupHealthPolicy(
  env: KafdoBindings,
  tenant: string,
  groupId: string,
  policy: GroupHealthPolicy,
): Promise<GroupHealthPolicy> {
  return { thresholds: await attempt(() => monitor(env, tenant).setGroupThresholds(tenant, groupId, policy.thresholds)) }
}

/** Every consumer group of the tenant with health thresholds, by group id. */
export function allGroupHealthThresholds(env: KafdoBindings, tenant: string): Promise<Record<string, GroupHealthThreshold[]>> {
  return attempt(() => monitor(env, tenant).allGroupThresholds())
}

/** Starts the tenant's periodic health evaluation after topic thresholds were set (no-op without the binding). */
export async function watchHealth(env: KafdoBindings, tenant: string): Promise<void> {
  const stub = monitorStub(env, tenant)
  if (stub) await attempt(() => stub.watch(tenant))
}

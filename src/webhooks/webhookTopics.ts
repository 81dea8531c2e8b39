/** The HTTP ingress topics this module serves, as Backstage's Bitbucket event modules name them. */
export const WEBHOOK_TOPICS = { server: 'bitbucketServer', cloud: 'bitbucketCloud' } as const;

export type WebhookTopic = (typeof WEBHOOK_TOPICS)[keyof typeof WEBHOOK_TOPICS];

export function productOfTopic(topic: string): 'server' | 'cloud' {
  return topic === WEBHOOK_TOPICS.server ? 'server' : 'cloud';
}

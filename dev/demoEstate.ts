import { SimEstate, SimRepository } from './simulator/estate';
import { api, catalogFile, component, group, system } from './catalogDescriptors';

/*
 * The fictional company behind the demo: Acme runs Bitbucket Server (Data Center) for its
 * payments, platform, data and operations teams, and a Bitbucket Cloud workspace for mobile
 * and web. Some repositories describe themselves in catalog-info.yaml, some do not, some
 * are archived (Server only), and each product has one repository without any commit.
 */

export const DEMO_CLOUD_WORKSPACE = 'acme';
export const CATALOG_PATH = 'catalog-info.yaml';

function repo(projectKey: string, slug: string, catalog?: string, extra: Partial<SimRepository> = {}): SimRepository {
  const files: Record<string, string> = { 'README.md': `# ${slug}\n` };
  if (catalog) {
    files[CATALOG_PATH] = catalog;
  }
  return { projectKey, slug, files, ...extra };
}

function emptyRepo(projectKey: string, slug: string): SimRepository {
  return { projectKey, slug, empty: true, files: {} };
}

const PAYMENTS_OPENAPI = `
openapi: 3.0.3
info:
  title: Payments API
  version: 1.4.0
paths:
  /payments:
    post:
      summary: Create a payment
      responses:
        '201':
          description: Payment created
  /payments/{id}:
    get:
      summary: Read a payment
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: The payment
`;

const LEDGER_ASYNCAPI = `
asyncapi: 2.6.0
info:
  title: Ledger events
  version: 2.0.0
channels:
  ledger.entry-posted:
    subscribe:
      message:
        payload:
          type: object
          properties:
            entryId:
              type: string
            amountMinor:
              type: integer
`;

const IDENTITY_OPENAPI = `
openapi: 3.0.3
info:
  title: Identity API
  version: 3.1.0
paths:
  /users/{id}:
    get:
      summary: Read a user
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: The user
`;

const ORDERS_ASYNCAPI = `
asyncapi: 2.6.0
info:
  title: Order events
  version: 1.0.0
channels:
  orders.completed:
    subscribe:
      message:
        payload:
          type: object
          properties:
            orderId:
              type: string
`;

const MOBILE_GRAPHQL = `
type Query {
  account(id: ID!): Account
  recentPayments(accountId: ID!, first: Int = 20): [Payment!]!
}

type Account {
  id: ID!
  displayName: String!
}

type Payment {
  id: ID!
  amountMinor: Int!
  currency: String!
}
`;

/** Bitbucket Server: four projects, 26 repositories. */
export function demoServerEstate(): SimEstate {
  return {
    projects: [
      { key: 'PAY', name: 'Payments' },
      { key: 'PLAT', name: 'Platform' },
      { key: 'DATA', name: 'Data' },
      { key: 'OPS', name: 'Operations' },
    ],
    repositories: [
      repo('PAY', 'payments-architecture', system({ name: 'payments', description: 'Taking and settling customer payments', owner: 'team-payments' })),
      repo(
        'PAY',
        'payments-api',
        catalogFile(
          component({ name: 'payments-api', description: 'Public API for creating and reading payments', type: 'service', owner: 'team-payments', system: 'payments', providesApis: ['payments-rest'] }),
          api({ name: 'payments-rest', description: 'REST API of the payments service', type: 'openapi', owner: 'team-payments', system: 'payments', definition: PAYMENTS_OPENAPI }),
        ),
      ),
      repo('PAY', 'payment-gateway', component({ name: 'payment-gateway', description: 'Talks to card networks and acquirers', type: 'service', owner: 'team-payments', system: 'payments', consumesApis: ['payments-rest'] })),
      repo(
        'PAY',
        'ledger-service',
        catalogFile(
          component({ name: 'ledger-service', description: 'Double-entry ledger of every money movement', type: 'service', owner: 'team-payments', system: 'payments', providesApis: ['ledger-events'] }),
          api({ name: 'ledger-events', description: 'Events published when ledger entries post', type: 'asyncapi', owner: 'team-payments', system: 'payments', definition: LEDGER_ASYNCAPI }),
        ),
      ),
      repo('PAY', 'checkout-web', component({ name: 'checkout-web', description: 'The checkout pages customers pay on', type: 'website', owner: 'team-web', system: 'payments', consumesApis: ['payments-rest'] })),
      repo('PAY', 'fraud-rules', component({ name: 'fraud-rules', description: 'Rule library scoring payments for fraud', type: 'library', owner: 'team-risk', system: 'payments' })),
      repo('PAY', 'payments-legacy', component({ name: 'payments-legacy', description: 'The monolith payments-api replaced', type: 'service', owner: 'team-payments' }), { archived: true }),
      repo('PAY', 'payments-scripts'),
      emptyRepo('PAY', 'payments-sandbox'),

      repo(
        'PLAT',
        'platform-org',
        catalogFile(
          group({ name: 'team-payments', displayName: 'Payments' }),
          group({ name: 'team-risk', displayName: 'Risk' }),
          group({ name: 'team-platform', displayName: 'Platform' }),
          group({ name: 'team-data', displayName: 'Data' }),
          group({ name: 'team-web', displayName: 'Web' }),
          group({ name: 'team-mobile', displayName: 'Mobile' }),
        ),
      ),
      repo(
        'PLAT',
        'identity-service',
        catalogFile(
          system({ name: 'identity', description: 'Who is who: accounts, sign-in and sessions', owner: 'team-platform' }),
          component({ name: 'identity-service', description: 'Accounts, sign-in and sessions', type: 'service', owner: 'team-platform', system: 'identity', providesApis: ['identity-api'] }),
          api({ name: 'identity-api', description: 'REST API of the identity service', type: 'openapi', owner: 'team-platform', system: 'identity', definition: IDENTITY_OPENAPI }),
        ),
      ),
      repo('PLAT', 'api-gateway', component({ name: 'api-gateway', description: 'Edge routing, rate limits and TLS for every public API', type: 'service', owner: 'team-platform', consumesApis: ['identity-api'] })),
      repo('PLAT', 'build-tools', component({ name: 'build-tools', description: 'Shared build and release scripts', type: 'library', owner: 'team-platform' })),
      repo('PLAT', 'terraform-modules'),
      repo('PLAT', 'helm-charts'),
      repo('PLAT', 'jenkins-shared-library', undefined, { archived: true }),

      repo('DATA', 'analytics-architecture', system({ name: 'analytics', description: 'Reporting and data products', owner: 'team-data' })),
      repo('DATA', 'data-pipeline', component({ name: 'data-pipeline', description: 'Streams business events into the warehouse', type: 'service', owner: 'team-data', system: 'analytics', consumesApis: ['ledger-events', 'orders-events'] })),
      repo('DATA', 'reporting-service', component({ name: 'reporting-service', description: 'Finance and operations reports', type: 'service', owner: 'team-data', system: 'analytics' })),
      repo('DATA', 'data-contracts', api({ name: 'orders-events', description: 'Events published when orders complete', type: 'asyncapi', owner: 'team-data', system: 'analytics', definition: ORDERS_ASYNCAPI })),
      repo('DATA', 'notebooks'),
      repo('DATA', 'etl-jobs-2019', component({ name: 'etl-jobs-2019', description: 'Batch jobs data-pipeline replaced', type: 'service', owner: 'team-data' }), { archived: true }),

      repo('OPS', 'incident-bot', component({ name: 'incident-bot', description: 'Opens incident channels and pages on-call', type: 'service', owner: 'team-platform' })),
      repo('OPS', 'runbooks'),
      repo('OPS', 'monitoring-dashboards'),
      repo('OPS', 'oncall-rotation'),
    ],
  };
}

/** Bitbucket Cloud: workspace `acme`, two projects, 11 repositories, one a monorepo. Cloud has no archived state. */
export function demoCloudEstate(): SimEstate {
  return {
    projects: [
      { key: 'MOB', name: 'Mobile' },
      { key: 'WEB', name: 'Web' },
    ],
    repositories: [
      repo(
        'MOB',
        'mobile-bff',
        catalogFile(
          system({ name: 'mobile', description: 'The Acme apps for iOS and Android', owner: 'team-mobile' }),
          component({ name: 'mobile-bff', description: 'Backend for the mobile apps', type: 'service', owner: 'team-mobile', system: 'mobile', providesApis: ['mobile-graphql'], consumesApis: ['payments-rest', 'identity-api'] }),
          api({ name: 'mobile-graphql', description: 'GraphQL API the mobile apps query', type: 'graphql', owner: 'team-mobile', system: 'mobile', definition: MOBILE_GRAPHQL }),
        ),
      ),
      repo('MOB', 'ios-app', component({ name: 'ios-app', description: 'The Acme app for iOS', type: 'mobile-app', owner: 'team-mobile', system: 'mobile', consumesApis: ['mobile-graphql'] })),
      repo('MOB', 'android-app', component({ name: 'android-app', description: 'The Acme app for Android', type: 'mobile-app', owner: 'team-mobile', system: 'mobile', consumesApis: ['mobile-graphql'] })),
      repo('MOB', 'push-notifications', component({ name: 'push-notifications', description: 'Sends push notifications to the apps', type: 'service', owner: 'team-mobile', system: 'mobile' })),
      repo('MOB', 'app-store-assets'),
      emptyRepo('MOB', 'watch-app'),
      repo('WEB', 'marketing-site', component({ name: 'marketing-site', description: 'acme.example, the public website', type: 'website', owner: 'team-web' })),
      repo('WEB', 'design-system', component({ name: 'design-system', description: 'Shared UI components for every web front end', type: 'library', owner: 'team-web' })),
      repo('WEB', 'storybook-playground'),
      repo('WEB', 'web-experiments'),
      // A monorepo: no catalog file at its root, one per service; the glob location finds each.
      repo('WEB', 'web-monorepo', undefined, {
        files: {
          'README.md': '# web-monorepo\n',
          'services/storefront-api/catalog-info.yaml': component({ name: 'storefront-api', description: 'Product and price API for the web shop', type: 'service', owner: 'team-web' }),
          'services/search-ui/catalog-info.yaml': component({ name: 'search-ui', description: 'Search pages of the web shop', type: 'website', owner: 'team-web' }),
          'services/search-ui/src/index.ts': 'export {};\n',
        },
      }),
    ],
  };
}

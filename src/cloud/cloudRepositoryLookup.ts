/** The shared lookup id of a Cloud repository's own record (`GET /repositories/{ws}/{slug}`, or its listing entry). */
export function cloudRepositoryLookupId(apiBaseUrl: string, workspace: string, slug: string): string {
  return JSON.stringify(['cloud-repository', apiBaseUrl, workspace, slug]);
}

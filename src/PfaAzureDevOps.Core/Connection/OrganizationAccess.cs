using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>Whether a token reaches an organization (its connectionData), recorded in the connection document.</summary>
    public static class OrganizationAccess
    {
        /// <summary>Checks the token reaches the organization and records it (URL, name, id) in <paramref name="document"/>.</summary>
        public static async Task CheckAsync(AzureDevOpsRestClient rest, ConnectionDocument document, string? name, Uri organizationUrl, string accessToken, Action<string>? log, CancellationToken cancellationToken)
        {
            Uri connectionData = new Uri(organizationUrl.AbsoluteUri.TrimEnd('/') + "/_apis/connectionData");
            log?.Invoke($"Checking access to the organization at {connectionData.GetLeftPart(UriPartial.Path)}.");
            using (JsonDocument data = await rest.GetAsync(connectionData, accessToken, cancellationToken).ConfigureAwait(false))
            {
                document.OrganizationId = ReadOrganizationId(data.RootElement, connectionData);
            }

            document.OrganizationUrl = organizationUrl.AbsoluteUri.TrimEnd('/');
            document.Organization = string.IsNullOrWhiteSpace(name) ? AzureDevOpsUrls.NameFrom(organizationUrl) : name!.Trim();
        }

        /// <summary>The organization's instanceId from a connectionData answer; anything else is not an organization.</summary>
        public static string ReadOrganizationId(JsonElement root, Uri connectionData)
        {
            string? instanceId = AzureDevOpsHttp.ReadString(root, "instanceId");
            if (!Guid.TryParse(instanceId, out Guid organizationId))
            {
                throw new PfaException(
                    ErrorIds.AzureDevOpsInvalidResponse,
                    PfaErrorKind.ProtocolError,
                    $"{Rules.UrlRules.Redact(connectionData)} did not answer with an Azure DevOps organization (no instanceId), so the connection was not saved. Check -Organization and -OrganizationUrl.",
                    Rules.UrlRules.Redact(connectionData));
            }

            return organizationId.ToString("D");
        }
    }
}

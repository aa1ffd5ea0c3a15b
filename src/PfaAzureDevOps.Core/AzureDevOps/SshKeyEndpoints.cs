using System;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>Where the key endpoints live: the organization (connectionData, HierarchyQuery) and its vssps host (SessionTokens).</summary>
    public sealed class SshKeyEndpoints
    {
        public SshKeyEndpoints(string organization, Uri organizationUrl, Uri vsspsUrl)
        {
            Organization = organization;
            OrganizationUrl = new Uri(organizationUrl.AbsoluteUri.TrimEnd('/'));
            VsspsUrl = new Uri(vsspsUrl.AbsoluteUri.TrimEnd('/'));
        }

        public string Organization { get; }

        public Uri OrganizationUrl { get; }

        public Uri VsspsUrl { get; }

        /// <summary>
        /// The URLs for an organization: overrides first; else the organization URL from the name (next to the connection's
        /// organization when connected, so another collection of the same server for Azure DevOps Server), and
        /// the vssps URL https://vssps.dev.azure.com/{org} for https://dev.azure.com/{org}, {org}.vssps.visualstudio.com for
        /// {org}.visualstudio.com, and the organization (collection) URL itself for any other server (Azure DevOps Server).
        /// </summary>
        public static SshKeyEndpoints Resolve(string? organization, Uri? organizationUrl, Uri? vsspsUrl, ConnectionDocument? connection)
        {
            // Every URL passes the one rule (https, or http to a literal loopback address; no user info) before any use.
            Uri? orgUrl = organizationUrl is null ? null : RegistrationRules.NormalizeServerUrl(organizationUrl, "organization URL");
            vsspsUrl = vsspsUrl is null ? null : RegistrationRules.NormalizeServerUrl(vsspsUrl, "vssps URL");
            string? name = organization;
            if (orgUrl is null)
            {
                if (!string.IsNullOrWhiteSpace(name) && connection != null)
                {
                    bool sameAsConnection = string.Equals(name, connection.Organization, StringComparison.OrdinalIgnoreCase) && connection.OrganizationUrl != null;
                    orgUrl = sameAsConnection ? new Uri(connection.OrganizationUrl!) : Sibling(connection, name!) ?? AzureDevOpsUrls.Organization(name, null, connection.AuthorizationServer);
                }
                else if (!string.IsNullOrWhiteSpace(name))
                {
                    orgUrl = AzureDevOpsUrls.Organization(name, null, RegistrationRules.DefaultAzureDevOpsAuthorizationServer);
                }
                else if (connection?.OrganizationUrl != null)
                {
                    orgUrl = new Uri(connection.OrganizationUrl);
                }
            }

            if (orgUrl is null)
            {
                throw new PfaException(
                    ErrorIds.AzDevOpsOrganizationUnknown,
                    PfaErrorKind.InvalidArgument,
                    "No Azure DevOps organization is known: give -Organization (for example 'contoso' for https://dev.azure.com/contoso), or connect with Connect-PfaAzureDevOps -Organization.",
                    null);
            }

            name = string.IsNullOrWhiteSpace(name) ? AzureDevOpsUrls.NameFrom(orgUrl) : name!.Trim();
            Uri vssps = vsspsUrl ?? DefaultVssps(orgUrl, name);
            return new SshKeyEndpoints(name, orgUrl, vssps);
        }

        /// <summary>
        /// Another organization next to the connection's: https://dev.azure.com/a gives https://dev.azure.com/b, and an Azure
        /// DevOps Server collection https://server/tfs/A gives https://server/tfs/B (collections share the server's path).
        /// Null when the connection's URL has no path (https://a.visualstudio.com): the default rule applies.
        /// </summary>
        private static Uri? Sibling(ConnectionDocument connection, string name)
        {
            if (connection.OrganizationUrl is null || !Uri.TryCreate(connection.OrganizationUrl, UriKind.Absolute, out Uri? url))
            {
                return null;
            }

            string path = url.AbsolutePath.Trim('/');
            if (path.Length == 0)
            {
                return null;
            }

            // The name's own checks (no '/', ':' ...) first.
            AzureDevOpsUrls.Organization(name, null, RegistrationRules.DefaultAzureDevOpsAuthorizationServer);
            int slash = path.LastIndexOf('/');
            string prefix = slash < 0 ? string.Empty : "/" + path.Substring(0, slash);
            return new Uri(url.GetLeftPart(UriPartial.Authority) + prefix + "/" + Uri.EscapeDataString(name.Trim()));
        }

        private static Uri DefaultVssps(Uri organizationUrl, string name)
        {
            string escaped = Uri.EscapeDataString(name);
            if (string.Equals(organizationUrl.Host, "dev.azure.com", StringComparison.OrdinalIgnoreCase))
            {
                return new Uri("https://vssps.dev.azure.com/" + escaped);
            }

            if (organizationUrl.Host.EndsWith(".visualstudio.com", StringComparison.OrdinalIgnoreCase) && organizationUrl.AbsolutePath.Trim('/').Length == 0)
            {
                return new Uri("https://" + organizationUrl.Host.Substring(0, organizationUrl.Host.IndexOf('.')) + ".vssps.visualstudio.com");
            }

            // Azure DevOps Server (and any other host) serves every area, the token service included, under the
            // collection URL itself (https://server/tfs/DefaultCollection): no separate vssps host.
            return organizationUrl;
        }
    }
}

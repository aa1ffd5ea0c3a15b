using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>What the Accounts API said about the signed-in user's organizations.</summary>
    public sealed class DiscoveredOrganizations
    {
        public DiscoveredOrganizations(IReadOnlyList<string> names, string? unavailableReason)
        {
            Names = names;
            UnavailableReason = unavailableReason;
        }

        /// <summary>The organization names, sorted; empty when none or when the service would not say.</summary>
        public IReadOnlyList<string> Names { get; }

        /// <summary>Why the list could not be read (the token may not read the profile, ...); null when it was read.</summary>
        public string? UnavailableReason { get; }
    }

    /// <summary>
    /// Finds the organizations a user belongs to, after sign-in, through the Accounts API
    /// (GET {profile service}/_apis/accounts?memberId={id}). The token may not be allowed to read it (a scope without
    /// vso.profile, a pipeline's token): that is not an error, the caller then asks for the organization.
    /// </summary>
    public static class OrganizationDiscovery
    {
        public static Uri AccountsUrl(Uri profileBase, string memberId) =>
            new Uri(profileBase.AbsoluteUri.TrimEnd('/') + "/_apis/accounts?memberId=" + Uri.EscapeDataString(memberId) + "&api-version=" + AzureDevOpsRestClient.ApiVersion);

        public static async Task<DiscoveredOrganizations> DiscoverAsync(AzureDevOpsRestClient rest, Uri profileBase, string memberId, string accessToken, Action<string>? log, CancellationToken cancellationToken)
        {
            Uri url = AccountsUrl(profileBase, memberId);
            log?.Invoke($"Looking up your organizations at {url.GetLeftPart(UriPartial.Path)}.");
            try
            {
                using (JsonDocument answer = await rest.GetAsync(url, accessToken, cancellationToken).ConfigureAwait(false))
                {
                    var names = new List<string>();
                    if (answer.RootElement.ValueKind == JsonValueKind.Object && answer.RootElement.TryGetProperty("value", out JsonElement value) && value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement account in value.EnumerateArray())
                        {
                            string? name = AzureDevOpsHttp.ReadString(account, "accountName");
                            if (!string.IsNullOrWhiteSpace(name) && !names.Contains(name!, StringComparer.OrdinalIgnoreCase))
                            {
                                names.Add(name!.Trim());
                            }
                        }
                    }

                    names.Sort(StringComparer.OrdinalIgnoreCase);
                    log?.Invoke(names.Count == 0 ? "You belong to no organization." : $"Your organizations: {string.Join(", ", names)}.");
                    return new DiscoveredOrganizations(names, null);
                }
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.AzureDevOpsNotAuthenticated || ex.ErrorId == ErrorIds.AzureDevOpsForbidden || ex.ErrorId == ErrorIds.AzureDevOpsNotFound || ex.ErrorId == ErrorIds.AzureDevOpsRequestFailed || ex.ErrorId == ErrorIds.AzureDevOpsInvalidResponse)
            {
                log?.Invoke($"Your organizations could not be listed ({ex.ErrorId}); name one with -Organization.");
                return new DiscoveredOrganizations(Array.Empty<string>(), ex.ErrorId == ErrorIds.AzureDevOpsNotAuthenticated || ex.ErrorId == ErrorIds.AzureDevOpsForbidden
                    ? "the connection's token may not read your profile"
                    : "the profile service did not answer the Accounts API");
            }
        }
    }
}

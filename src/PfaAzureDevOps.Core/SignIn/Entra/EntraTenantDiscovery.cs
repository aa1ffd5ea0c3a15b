using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>Where a discovered tenant came from.</summary>
    public enum TenantSource
    {
        /// <summary>The authorization_uri of the WWW-Authenticate: Bearer challenge.</summary>
        AuthorizationUri,

        /// <summary>The first non-empty GUID of the X-VSS-ResourceTenant header.</summary>
        ResourceTenantHeader,

        /// <summary>X-VSS-ResourceTenant was all zeros: an organization backed by Microsoft accounts ("organizations").</summary>
        MicrosoftAccount,

        /// <summary>Nothing said: "common".</summary>
        Default,
    }

    public sealed class TenantDiscoveryResult
    {
        public TenantDiscoveryResult(string tenant, TenantSource source, Uri? authorizationUri)
        {
            Tenant = tenant;
            Source = source;
            AuthorizationUri = authorizationUri;
        }

        /// <summary>A tenant ID (GUID), "organizations" or "common".</summary>
        public string Tenant { get; }

        public TenantSource Source { get; }

        /// <summary>The authorization_uri the organization named, when it named one.</summary>
        public Uri? AuthorizationUri { get; }
    }

    /// <summary>
    /// Finds the Entra tenant behind an Azure DevOps organization the way Git Credential Manager does: an unauthenticated
    /// request to the organization URL, then WWW-Authenticate's authorization_uri, else X-VSS-ResourceTenant's first
    /// non-empty GUID; all zeros means an MSA-backed organization ("organizations"); otherwise "common". No MSAL.
    /// </summary>
    public static class EntraTenantDiscovery
    {
        private static readonly Regex AuthorizationUriPattern = new Regex("authorization_uri=\"?([^\",\\s]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        /// <summary>Discovers the tenant with a short-lived client of its own (30 s time limit).</summary>
        public static async Task<TenantDiscoveryResult> DiscoverAsync(Uri organizationUrl, CancellationToken cancellationToken)
        {
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            {
                return await DiscoverAsync(organizationUrl, http, cancellationToken).ConfigureAwait(false);
            }
        }

        public static async Task<TenantDiscoveryResult> DiscoverAsync(Uri organizationUrl, HttpClient httpClient, CancellationToken cancellationToken = default)
        {
            if (organizationUrl is null || !organizationUrl.IsAbsoluteUri)
            {
                throw new PfaException(ErrorIds.InvalidOrganizationUrl, PfaErrorKind.InvalidArgument, "The organization URL must be absolute, such as https://dev.azure.com/contoso.", null);
            }

            Rules.UrlRules.Require(organizationUrl, "organization URL", ErrorIds.InvalidOrganizationUrl);
            string shown = Rules.UrlRules.Redact(organizationUrl);

            HttpResponseMessage response;
            try
            {
                using (var request = new HttpRequestMessage(HttpMethod.Head, organizationUrl))
                {
                    request.Headers.TryAddWithoutValidation("X-TFS-FedAuthRedirect", "Suppress");
                    response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (HttpRequestException ex)
            {
                throw new PfaException(ErrorIds.TenantDiscoveryFailed, PfaErrorKind.ConnectionError, $"The organization {shown} could not be reached to find its Microsoft Entra tenant: {ex.Message} Give the tenant explicitly (-TenantId), or check the URL and the network.", shown, ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PfaException(ErrorIds.TenantDiscoveryFailed, PfaErrorKind.OperationTimeout, $"The organization {shown} did not answer in time. Give the tenant explicitly (-TenantId).", shown, ex);
            }

            using (response)
            {
                var wwwAuthenticate = response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList();
                IEnumerable<string> resourceTenant = response.Headers.TryGetValues("X-VSS-ResourceTenant", out IEnumerable<string>? values) ? values : Enumerable.Empty<string>();
                TenantDiscoveryResult result = FromHeaders(wwwAuthenticate, resourceTenant);
                int status = (int)response.StatusCode;
                if (result.Source == TenantSource.Default && status != 401 && status != 403)
                {
                    // Only Azure DevOps' own "sign in first" answer that names no tenant means "common"; a server error,
                    // an HTML page or a redirect elsewhere says nothing, and guessing would store a wrong tenant.
                    throw new PfaException(
                        ErrorIds.TenantDiscoveryFailed,
                        PfaErrorKind.ProtocolError,
                        $"The organization {shown} answered HTTP {status} without naming its Microsoft Entra tenant, so no tenant was guessed and nothing was registered. Check -Organization (or -OrganizationUrl) and try again, or give the tenant explicitly with -TenantId.",
                        shown);
                }

                return result;
            }
        }

        /// <summary>The decision from the two headers (exposed for tests and for callers that already hold a 401).</summary>
        public static TenantDiscoveryResult FromHeaders(IEnumerable<string> wwwAuthenticate, IEnumerable<string> resourceTenant)
        {
            foreach (string header in wwwAuthenticate)
            {
                if (!header.TrimStart().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                Match m = AuthorizationUriPattern.Match(header);
                if (m.Success && Uri.TryCreate(m.Groups[1].Value, UriKind.Absolute, out Uri? uri))
                {
                    string tenant = uri.AbsolutePath.Trim('/').Split('/')[0];
                    if (tenant.Length > 0)
                    {
                        return new TenantDiscoveryResult(Guid.TryParse(tenant, out Guid g) ? g.ToString("D") : tenant, TenantSource.AuthorizationUri, uri);
                    }
                }
            }

            bool sawZero = false;
            foreach (string value in resourceTenant)
            {
                foreach (string part in value.Split(','))
                {
                    if (Guid.TryParse(part.Trim(), out Guid id))
                    {
                        if (id != Guid.Empty)
                        {
                            return new TenantDiscoveryResult(id.ToString("D"), TenantSource.ResourceTenantHeader, null);
                        }

                        sawZero = true;
                    }
                }
            }

            return sawZero
                ? new TenantDiscoveryResult("organizations", TenantSource.MicrosoftAccount, null)
                : new TenantDiscoveryResult("common", TenantSource.Default, null);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Interaction;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>The confidential client's authorization code with PKCE, sign-out and the cached accounts.</summary>
    public sealed partial class EntraTokenProvider
    {
        /// <summary>
        /// Starts a confidential-client sign-in at the instance's callback: the authorize URL (with PKCE S256 and a fresh
        /// state). Open <see cref="EntraAuthorizationRequest.Url"/> in the user's browser, then redeem what the callback got.
        /// </summary>
        public async Task<EntraAuthorizationRequest> CreateAuthorizationRequestAsync(string? loginHint = null, string? claims = null, CancellationToken cancellationToken = default)
        {
            RequireConfidential();
            IConfidentialClientApplication app = Confidential();
            string state = RandomUrlSafe(32);
            GetAuthorizationRequestUrlParameterBuilder builder = app.GetAuthorizationRequestUrl(Scopes)
                .WithRedirectUri(Registration.CallbackUrl)
                .WithPkce(out string verifier);
            if (!string.IsNullOrEmpty(loginHint))
            {
                builder = builder.WithLoginHint(loginHint);
            }

            var extra = new Dictionary<string, (string, bool)> { ["state"] = (state, false) };
            if (claims != null)
            {
                extra["claims"] = (claims, false);
            }

            try
            {
                Uri url = await builder.WithExtraQueryParameters(extra).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                string? msalState = QueryValue(url, "state");
                return new EntraAuthorizationRequest(url, msalState ?? state, verifier, Registration.CallbackUrl);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw EntraErrors.Map(ex, Context(EntraFlow.AuthorizationCode));
            }
        }

        /// <summary>Redeems the address the browser ended on at the instance callback (code, state, or error).</summary>
        public Task<EntraToken> RedeemAuthorizationCodeAsync(EntraAuthorizationRequest request, Uri callback, CancellationToken cancellationToken = default)
        {
            if (callback is null)
            {
                throw new ArgumentNullException(nameof(callback));
            }

            return RedeemCoreAsync(request, QueryValue(callback, "code"), QueryValue(callback, "state"), QueryValue(callback, "error"), QueryValue(callback, "error_description"), cancellationToken);
        }

        /// <summary>Redeems a code (form_post or query fields) after checking the state against the request's.</summary>
        public Task<EntraToken> RedeemAuthorizationCodeAsync(EntraAuthorizationRequest request, string code, string? state, CancellationToken cancellationToken = default) =>
            RedeemCoreAsync(request, code, state, null, null, cancellationToken);

        /// <summary>Forgets the cached user accounts (all, or the one named); returns how many were removed.</summary>
        public async Task<int> SignOutAsync(string? account = null)
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            int removed = 0;
            foreach (IAccount a in (await app.GetAccountsAsync().ConfigureAwait(false)).ToList())
            {
                if (account == null || Matches(a, account))
                {
                    await app.RemoveAsync(a).ConfigureAwait(false);
                    removed++;
                }
            }

            return removed;
        }

        /// <summary>Forgets every cached user account except <paramref name="keep"/> (a replaced connection's user); returns how many.</summary>
        public async Task<int> SignOutOthersAsync(string? keep)
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            int removed = 0;
            foreach (IAccount a in (await app.GetAccountsAsync().ConfigureAwait(false)).ToList())
            {
                if (keep == null || !Matches(a, keep))
                {
                    await app.RemoveAsync(a).ConfigureAwait(false);
                    removed++;
                }
            }

            return removed;
        }

        /// <summary>The usernames of the accounts in the cache.</summary>
        public async Task<IReadOnlyList<string>> GetAccountsAsync()
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            return (await app.GetAccountsAsync().ConfigureAwait(false)).Select(a => a.Username).ToList();
        }
    }
}

using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// A token the caller already holds (a pipeline's System.AccessToken, a workload-identity token). With an Entra ID
    /// registration it is recorded against that application; with none (or an Azure DevOps OAuth one) only the
    /// organization is needed, as with Connect-AzAccount -AccessToken, and it is stored as given and never renewed.
    /// </summary>
    public sealed class SuppliedTokenSignIn : ISignInProvider
    {
        public string Name => "a supplied access token";

        public bool CanSignIn(SignInContext context) => context.Request.Method == SignInMethod.AccessToken;

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInRequest request = context.Request;
            char[] token = request.AccessToken ?? throw new ArgumentException("No access token.", nameof(context));
            if (context.IsEntra)
            {
                EntraSignIn.Describe(context, user);
                if (!user.Confirm(context.Target, "Connect with the given access token"))
                {
                    return null;
                }

                var recorder = new EntraConnectionRecorder(context, user.Verbose);
                ConnectionDocument document = recorder.NewDocument(EntraFlow.AccessToken);
                EntraToken supplied = EntraTokenProvider.FromAccessToken(token);
                if (supplied.ExpiresOn.HasValue && supplied.ExpiresOn.Value <= DateTimeOffset.UtcNow)
                {
                    throw new PfaException(ErrorIds.EntraAccessTokenExpired, PfaErrorKind.InvalidArgument, $"The access token expired at {supplied.ExpiresOn.Value:u}. Pass a current one (in Azure Pipelines: $(System.AccessToken) of this job).", "AccessToken");
                }

                return await recorder.RecordAsync(document, supplied, cancellationToken).ConfigureAwait(false);
            }

            Uri organizationUrl = AzureDevOpsUrls.Organization(request.Options.Organization, request.Options.OrganizationUrl, RegistrationRules.DefaultAzureDevOpsAuthorizationServer)
                ?? throw new PfaException(ErrorIds.OrganizationRequired, PfaErrorKind.InvalidArgument, "No application is registered, so Connect-PfaAzureDevOps -AccessToken needs the organization the token is for: add -Organization <name> (or -OrganizationUrl <url>).", "Organization");
            if (!user.Confirm(context.Target, $"Connect to {organizationUrl.AbsoluteUri.TrimEnd('/')} with the given access token, replacing any existing connection"))
            {
                return null;
            }

            return await WithoutApplicationAsync(context, token, user.Verbose, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// A token the caller already holds and no registered application: only the organization is needed, as with
        /// Connect-AzAccount -AccessToken. The token is stored as given and returned until it expires; it is never renewed.
        /// </summary>
        private static async Task<ConnectionDocument> WithoutApplicationAsync(SignInContext context, char[] accessToken, Action<string>? log, CancellationToken cancellationToken)
        {
            string server = RegistrationRules.DefaultAzureDevOpsAuthorizationServer;
            EntraToken token = EntraTokenProvider.FromAccessToken(accessToken);
            Uri profile = AzureDevOpsUrls.Profile(context.Request.Options.ProfileUrl, server);
            var document = new ConnectionDocument
            {
                Provider = IdentityProvider.EntraId,
                ClientId = Guid.TryParse(token.ClientId, out Guid client) ? client : Guid.Empty,
                RegistrationScope = StateScope.CurrentUser,
                AuthorizationServer = server,
                CallbackUrl = server,
                ProfileUrl = profile.AbsoluteUri.TrimEnd('/'),
                Flow = nameof(EntraFlow.AccessToken),
                Generation = 1,
            };
            log?.Invoke("Connecting with the given access token; no application is registered, so it is stored as given and never renewed.");
            return await new EntraConnectionRecorder(context, log).RecordAsync(document, token, cancellationToken).ConfigureAwait(false);
        }
    }
}

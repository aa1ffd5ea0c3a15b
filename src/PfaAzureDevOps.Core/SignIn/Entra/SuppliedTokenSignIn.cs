using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

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
                EntraConnectRequest connect = EntraSignIn.NewRequest(context, user, EntraFlow.AccessToken);
                connect.AccessToken = token;
                if (!user.Confirm(context.Target, "Connect with the given access token"))
                {
                    return null;
                }

                return await EntraConnector.ConnectAsync(context.Connections, context.RequireRegistrations(), context.RequireRegistration(), connect, cancellationToken).ConfigureAwait(false);
            }

            Uri organizationUrl = AzureDevOpsUrls.Organization(request.Options.Organization, request.Options.OrganizationUrl, RegistrationRules.DefaultAzureDevOpsAuthorizationServer)
                ?? throw new PfaException(ErrorIds.OrganizationRequired, PfaErrorKind.InvalidArgument, "No application is registered, so Connect-PfaAzureDevOps -AccessToken needs the organization the token is for: add -Organization <name> (or -OrganizationUrl <url>).", "Organization");
            if (!user.Confirm(context.Target, $"Connect to {organizationUrl.AbsoluteUri.TrimEnd('/')} with the given access token, replacing any existing connection"))
            {
                return null;
            }

            return await EntraConnector.ConnectWithAccessTokenAsync(context.Connections, token, request.Options, user.Verbose, cancellationToken).ConfigureAwait(false);
        }
    }
}

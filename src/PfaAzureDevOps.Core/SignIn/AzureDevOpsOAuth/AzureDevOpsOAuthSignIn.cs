using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Interaction;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth
{
    /// <summary>
    /// Azure DevOps OAuth (an Azure DevOps OAuth application): the consent page in a browser, the code back at the
    /// callback (received on this machine when the callback is a loopback address, else pasted back, or given later with
    /// -CallbackUri), redeemed with the application's client secret. No MSAL anywhere on this path.
    /// </summary>
    public sealed class AzureDevOpsOAuthSignIn : ISignInProvider
    {
        public string Name => "Azure DevOps OAuth";

        public bool CanSignIn(SignInContext context) =>
            context.IsAzureDevOps && (context.Request.Method == SignInMethod.Browser || context.Request.Method == SignInMethod.CallbackUri);

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            RegistrationService registrations = context.RequireRegistrations();
            ConnectionService service = context.Connections;
            DateTimeOffset now = DateTimeOffset.UtcNow;

            // Check the URLs before anything is opened or asked.
            AzureDevOpsUrls.Organization(request.Options.Organization, request.Options.OrganizationUrl, registration.AuthorizationServer);
            AzureDevOpsUrls.Profile(request.Options.ProfileUrl, registration.AuthorizationServer);
            user.Verbose($"Application {registration.ClientId} ({registrations.Store.Scope}); callback {registration.CallbackUrl}; scopes {string.Join(" ", registration.Scopes)}.");
            string action = $"Connect through application {registration.ClientId}{(request.Options.Organization != null ? " to organization " + request.Options.Organization : string.Empty)}, replacing any existing connection";

            AuthorizationRequest authorization;
            Uri? returned;
            if (request.Method == SignInMethod.CallbackUri)
            {
                authorization = service.LoadPending(registration, now);
                if (!user.Confirm(context.Target, action))
                {
                    return null;
                }

                returned = request.ReturnedAddress ?? throw new ArgumentException("No address.", nameof(context));
            }
            else
            {
                authorization = ConnectionService.Begin(registration);
                bool loopback = BrowserSignIn.CanListenOnLoopback(authorization.CallbackUrl);
                if (!loopback && !request.NoBrowser && !user.CanPrompt && !request.Preview)
                {
                    throw new PfaException(
                        "CallbackAddressPromptUnavailable",
                        PfaErrorKind.InvalidOperation,
                        $"The callback URL '{registration.CallbackUrl}' is not on this machine, so Connect-PfaAzureDevOps would have to ask for the address the browser ends on, and this session is non-interactive. In a script, run Connect-PfaAzureDevOps -NoBrowser to get the sign-in link, open it and click Accept, then run Connect-PfaAzureDevOps -CallbackUri '<the address the browser ended on>'.",
                        registration.CallbackUrl);
                }

                if (loopback && !request.NoBrowser && !user.CanPrompt && !request.Preview && !BrowserLauncher.CanOpen())
                {
                    throw new PfaException(
                        "BrowserUnavailable",
                        PfaErrorKind.ResourceUnavailable,
                        "This non-interactive session has no browser (no desktop and no $env:BROWSER), so nobody could click Accept. Set $env:BROWSER to a command that opens a URL, or run Connect-PfaAzureDevOps -NoBrowser and open the printed link yourself before -TimeoutSeconds ends.",
                        registration.CallbackUrl);
                }

                if (!user.Confirm(context.Target, action))
                {
                    return null;
                }

                const string LinkText = "Open this link to sign in to Azure DevOps and click Accept:";
                if (loopback)
                {
                    returned = await BrowserSignIn.ReceiveRedirectAsync(authorization.AuthorizeUrl, authorization.CallbackUrl, authorization.State, LinkText, request, user, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    service.SavePending(authorization, now);
                    returned = BrowserSignIn.AskForAddress(authorization.AuthorizeUrl, authorization.CallbackUrl, LinkText, "After clicking Accept", request, user);
                    if (returned is null)
                    {
                        return null;
                    }
                }
            }

            return await service.CompleteAsync(authorization, returned, registrations, registration, request.Options, user.Verbose, cancellationToken).ConfigureAwait(false);
        }
    }
}

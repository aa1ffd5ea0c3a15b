using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using PfaAzureDevOps.Core.SignIn.Entra;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// Connect-PfaAzureDevOps in the engine: finds the registration in effect, asks the chain of providers (the first that
    /// can sign in runs, as Az.Accounts chains its authenticators), then settles the organization (asks a person which
    /// one when several were found). Talks to the user only through <see cref="ISignInUser"/>.
    /// </summary>
    public sealed class SignInService
    {
        private readonly IReadOnlyList<ISignInProvider> _chain;

        public SignInService(UserConnection connections, IReadOnlyList<ISignInProvider>? chain = null)
        {
            Connections = connections ?? throw new ArgumentNullException(nameof(connections));
            _chain = chain ?? DefaultChain();
        }

        public UserConnection Connections { get; }

        /// <summary>
        /// The providers in the order they are asked. Constructing them loads no MSAL: the Entra providers reach MSAL
        /// only inside their sign-in methods.
        /// </summary>
        public static IReadOnlyList<ISignInProvider> DefaultChain() => new ISignInProvider[]
        {
            new SuppliedTokenSignIn(),
            new ServicePrincipalSignIn(),
            new ManagedIdentitySignIn(),
            new EntraUserSignIn(),
            new AzureDevOpsOAuthSignIn(),
        };

        /// <summary>Signs in with the provider the request and registration call for, then settles the organization.</summary>
        public async Task<SignInResult> ConnectAsync(SignInRequest request, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInContext context = CreateContext(request);
            ISignInProvider provider = Choose(context);
            user.Verbose($"Signing in with {provider.Name}.");
            ConnectionDocument? document = await provider.SignInAsync(context, user, cancellationToken).ConfigureAwait(false);
            var result = new SignInResult(provider.Name, document) { WithoutApplication = context.Registration is null };
            if (document is null || result.WithoutApplication)
            {
                return result;
            }

            if (document.Organization is null && document.KnownOrganizations != null && document.KnownOrganizations.Count > 1)
            {
                if (user.CanPrompt)
                {
                    string chosen = OrganizationChoice.Ask(document.KnownOrganizations, user);
                    result.Connection = await Connections.SelectOrganizationAsync(chosen, user.Verbose, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    result.OrganizationChoiceRequired = OrganizationChoice.Required(document.KnownOrganizations);
                }
            }

            return result;
        }

        /// <summary>The request with the registration in effect (null when none is registered, which only a supplied token can do without).</summary>
        public SignInContext CreateContext(SignInRequest request)
        {
            try
            {
                RegistrationService registrations = UserConnection.FindRegistration(out AppRegistration registration);
                return new SignInContext(request, registrations, registration, Connections);
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.RegistrationNotFound)
            {
                return new SignInContext(request, null, null, Connections) { RegistrationMissing = ex };
            }
        }

        /// <summary>The first provider of the chain that can sign in; else why none can.</summary>
        public ISignInProvider Choose(SignInContext context)
        {
            foreach (ISignInProvider provider in _chain)
            {
                if (provider.CanSignIn(context))
                {
                    return provider;
                }
            }

            if (context.Registration is null)
            {
                throw context.RegistrationMissing ?? UserConnection.RegistrationNotFound();
            }

            throw new PfaException(
                ErrorIds.ProviderNotSupported,
                PfaErrorKind.InvalidOperation,
                $"-{Describe(context.Request)} signs in through Microsoft Entra ID, but the registered application ({context.Registration.ClientId}) is an Azure DevOps OAuth application. Connect without it, or register an Entra ID application (Register-PfaAzureDevOpsApp -Provider EntraId).",
                context.Registration.ClientId);
        }

        private static string Describe(SignInRequest request) => request.Method switch
        {
            SignInMethod.ServicePrincipal => request.ClientSecret != null ? "ServicePrincipalSecret" : "ServicePrincipalCertificate",
            _ => request.Method.ToString(),
        };
    }
}

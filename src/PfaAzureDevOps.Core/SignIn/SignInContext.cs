using System;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>What a provider signs in with: the request, the registration in effect (if any) and the connection store.</summary>
    public sealed class SignInContext
    {
        public SignInContext(SignInRequest request, RegistrationService? registrations, AppRegistration? registration, UserConnection connections)
        {
            Request = request ?? throw new ArgumentNullException(nameof(request));
            Registrations = registrations;
            Registration = registration;
            Connections = connections ?? throw new ArgumentNullException(nameof(connections));
        }

        public SignInRequest Request { get; }

        public RegistrationService? Registrations { get; }

        /// <summary>The registration in effect (the user's own, else the instance's); null when none is registered.</summary>
        public AppRegistration? Registration { get; }

        public UserConnection Connections { get; }

        /// <summary>Why there is no registration (RegistrationNotFound), rethrown when no provider can do without one.</summary>
        public PfaException? RegistrationMissing { get; internal set; }

        /// <summary>What ShouldProcess names as the target.</summary>
        public string Target => $"Azure DevOps connection of {Environment.UserName} ({Connections.DocumentPath})";

        public bool IsEntra => Registration != null && Registration.Provider == IdentityProvider.EntraId;

        public bool IsAzureDevOps => Registration != null && Registration.Provider == IdentityProvider.AzureDevOps;

        /// <summary>The registration, for providers that only run with one (<see cref="ISignInProvider.CanSignIn"/> checked it).</summary>
        public AppRegistration RequireRegistration() => Registration ?? throw new InvalidOperationException("No registration.");

        public RegistrationService RequireRegistrations() => Registrations ?? throw new InvalidOperationException("No registration.");
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.SignIn;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.SignIn
{
    /// <summary>Which provider the engine picks for each request and registration, and what a flow asks before it signs in (no server).</summary>
    public sealed class SignInFlowTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-signin-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        private UserConnection Connections() => new UserConnection(new StateStore(StateScope.CurrentUser, _root));

        private static AppRegistration AzureDevOps(string callback = "https://samplecorp.pipelines.com/oauth2/azureDevOps") => new AppRegistration
        {
            Provider = IdentityProvider.AzureDevOps,
            ClientId = Guid.NewGuid(),
            InstanceUrl = "https://samplecorp.pipelines.com",
            CallbackUrl = callback,
            AuthorizationServer = RegistrationRules.DefaultAzureDevOpsAuthorizationServer,
            Scopes = new List<string> { "vso.code_write" },
            ClientSecretName = "app-client-secret-test",
        };

        private static AppRegistration Entra(bool confidential = false) => new AppRegistration
        {
            Provider = IdentityProvider.EntraId,
            ClientId = Guid.NewGuid(),
            TenantId = "organizations",
            InstanceUrl = "https://samplecorp.pipelines.com",
            CallbackUrl = "https://samplecorp.pipelines.com/oauth2/azureDevOps",
            AuthorizationServer = "https://login.microsoftonline.com",
            Scopes = new List<string> { RegistrationRules.AzureDevOpsResourceId + "/.default" },
            ClientSecretName = confidential ? "app-client-secret-test" : null,
        };

        private SignInContext Context(SignInMethod method, AppRegistration? registration, Action<SignInRequest>? configure = null)
        {
            var request = new SignInRequest { Method = method };
            configure?.Invoke(request);
            RegistrationService? registrations = registration is null ? null : new RegistrationService(new StateStore(StateScope.CurrentUser, _root));
            return new SignInContext(request, registrations, registration, Connections());
        }

        public static IEnumerable<object?[]> Choices() => new List<object?[]>
        {
            new object?[] { SignInMethod.Browser, "AzureDevOps", typeof(AzureDevOpsOAuthSignIn) },
            new object?[] { SignInMethod.CallbackUri, "AzureDevOps", typeof(AzureDevOpsOAuthSignIn) },
            new object?[] { SignInMethod.AccessToken, "AzureDevOps", typeof(SuppliedTokenSignIn) },
            new object?[] { SignInMethod.AccessToken, null, typeof(SuppliedTokenSignIn) },
            new object?[] { SignInMethod.AccessToken, "EntraId", typeof(SuppliedTokenSignIn) },
            new object?[] { SignInMethod.Browser, "EntraId", typeof(EntraUserSignIn) },
            new object?[] { SignInMethod.CallbackUri, "EntraId", typeof(EntraUserSignIn) },
            new object?[] { SignInMethod.DeviceCode, "EntraId", typeof(EntraUserSignIn) },
            new object?[] { SignInMethod.ServicePrincipal, "EntraId", typeof(ServicePrincipalSignIn) },
            new object?[] { SignInMethod.ManagedIdentity, "EntraId", typeof(ManagedIdentitySignIn) },
        };

        [Theory]
        [MemberData(nameof(Choices))]
        public void TheEngineChoosesTheProviderFromTheMethodAndTheRegistration(SignInMethod method, string? provider, Type expected)
        {
            AppRegistration? registration = provider switch { "AzureDevOps" => AzureDevOps(), "EntraId" => Entra(), _ => null };
            ISignInProvider chosen = new SignInService(Connections()).Choose(Context(method, registration));
            Assert.IsType(expected, chosen);
        }

        [Theory]
        [InlineData(SignInMethod.DeviceCode, "-DeviceCode signs in through Microsoft Entra ID")]
        [InlineData(SignInMethod.ManagedIdentity, "-ManagedIdentity signs in through Microsoft Entra ID")]
        [InlineData(SignInMethod.ServicePrincipal, "-ServicePrincipalCertificate signs in through Microsoft Entra ID")]
        public void AnEntraOnlyMethodWithAnAzureDevOpsApplicationIsRefused(SignInMethod method, string message)
        {
            PfaException ex = Assert.Throws<PfaException>(() => new SignInService(Connections()).Choose(Context(method, AzureDevOps())));
            Assert.Equal("ProviderNotSupported", ex.ErrorId);
            Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(SignInMethod.Browser)]
        [InlineData(SignInMethod.DeviceCode)]
        [InlineData(SignInMethod.ServicePrincipal)]
        public void WithoutARegistrationOnlyASuppliedTokenCanSignIn(SignInMethod method)
        {
            PfaException ex = Assert.Throws<PfaException>(() => new SignInService(Connections()).Choose(Context(method, null)));
            Assert.Equal("RegistrationNotFound", ex.ErrorId);
        }

        [Fact]
        public void TheFirstProviderOfTheChainThatCanSignInRuns()
        {
            var first = new NamedProvider("first", canSignIn: false);
            var second = new NamedProvider("second", canSignIn: true);
            var third = new NamedProvider("third", canSignIn: true);
            ISignInProvider chosen = new SignInService(Connections(), new ISignInProvider[] { first, second, third }).Choose(Context(SignInMethod.Browser, AzureDevOps()));
            Assert.Same(second, chosen);
            Assert.Equal(1, first.Asked);
            Assert.Equal(0, third.Asked);
        }

        [Fact]
        public async Task AnAzureDevOpsCallbackElsewhereFailsInAScriptBeforeAnythingIsAskedOrOpened()
        {
            var user = new FakeSignInUser { CanPrompt = false };
            SignInContext context = Context(SignInMethod.Browser, AzureDevOps());
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new AzureDevOpsOAuthSignIn().SignInAsync(context, user, CancellationToken.None));
            Assert.Equal("CallbackAddressPromptUnavailable", ex.ErrorId);
            Assert.Empty(user.Confirmations);
            Assert.Empty(user.Said);
            Assert.False(File.Exists(Path.Combine(_root, PendingAuthorization.FileName)));
        }

        [Fact]
        public async Task AnEntraConfidentialCallbackElsewhereFailsInAScriptTheSameWayBeforeAnythingIsAskedOrSaved()
        {
            var user = new FakeSignInUser { CanPrompt = false };
            SignInContext context = Context(SignInMethod.Browser, Entra(confidential: true));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new EntraUserSignIn().SignInAsync(context, user, CancellationToken.None));
            Assert.Equal("CallbackAddressPromptUnavailable", ex.ErrorId);
            Assert.Contains("Connect-PfaAzureDevOps -NoBrowser", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Connect-PfaAzureDevOps -CallbackUri '<the address the browser ended on>'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("-ServicePrincipal", ex.Message, StringComparison.Ordinal);
            Assert.Contains("-Identity", ex.Message, StringComparison.Ordinal);
            Assert.Empty(user.Confirmations);
            Assert.DoesNotContain(user.Said, line => line.StartsWith("https://", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(_root, PendingAuthorization.FileName)));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TheOneRuleLetsAPersonAScriptWithNoBrowserAndWhatIfThrough(bool entra)
        {
            var callback = new Uri("https://samplecorp.pipelines.com/oauth2/azureDevOps");
            BrowserSignIn.RequireSomeoneToAnswer(callback, new SignInRequest(), new FakeSignInUser { CanPrompt = true }, entra);
            BrowserSignIn.RequireSomeoneToAnswer(callback, new SignInRequest { NoBrowser = true }, new FakeSignInUser(), entra);
            BrowserSignIn.RequireSomeoneToAnswer(callback, new SignInRequest { Preview = true }, new FakeSignInUser(), entra);
            PfaException ex = Assert.Throws<PfaException>(() => BrowserSignIn.RequireSomeoneToAnswer(callback, new SignInRequest(), new FakeSignInUser(), entra));
            Assert.Equal("CallbackAddressPromptUnavailable", ex.ErrorId);
            Assert.Contains("-AccessToken <token> -Organization <name>", ex.Message, StringComparison.Ordinal);
            Assert.Equal(entra, ex.Message.Contains("-ServicePrincipal"));
        }

        [Fact]
        public async Task NoBrowserInAScriptPrintsTheLinkAndHowToFinishAndSavesThePendingSignIn()
        {
            var user = new FakeSignInUser { CanPrompt = false };
            SignInContext context = Context(SignInMethod.Browser, AzureDevOps(), r => r.NoBrowser = true);
            ConnectionDocument? connected = await new AzureDevOpsOAuthSignIn().SignInAsync(context, user, CancellationToken.None);
            Assert.Null(connected);
            Assert.Single(user.Confirmations);
            Assert.Equal("Open this link to sign in to Azure DevOps and click Accept:", user.Said[0]);
            Assert.StartsWith(RegistrationRules.DefaultAzureDevOpsAuthorizationServer, user.Said[1], StringComparison.Ordinal);
            Assert.Contains("Connect-PfaAzureDevOps -CallbackUri '<that address>'", user.Said[2], StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_root, PendingAuthorization.FileName)));
            Assert.Null(context.Connections.Get());
        }

        [Fact]
        public async Task ADeclinedConfirmationSignsNothingIn()
        {
            var user = new FakeSignInUser { CanPrompt = true, ConfirmAnswer = false };
            SignInContext context = Context(SignInMethod.Browser, AzureDevOps(), r => r.NoBrowser = true);
            Assert.Null(await new AzureDevOpsOAuthSignIn().SignInAsync(context, user, CancellationToken.None));
            Assert.Empty(user.Said);
            Assert.False(File.Exists(Path.Combine(_root, PendingAuthorization.FileName)));
        }

        [Fact]
        public async Task APastedAddressThatIsNotAnAddressIsRefusedWithWhatToDo()
        {
            var user = new FakeSignInUser { CanPrompt = true };
            user.Lines.Enqueue("not an address");
            SignInContext context = Context(SignInMethod.Browser, AzureDevOps(), r => r.NoBrowser = true);
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new AzureDevOpsOAuthSignIn().SignInAsync(context, user, CancellationToken.None));
            Assert.Equal("CallbackUriInvalid", ex.ErrorId);
            Assert.Contains("paste the whole address", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task DeviceCodeWithAConfidentialEntraClientIsRefusedBeforeConfirming()
        {
            var user = new FakeSignInUser { CanPrompt = true };
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new EntraUserSignIn().SignInAsync(Context(SignInMethod.DeviceCode, Entra(confidential: true)), user, CancellationToken.None));
            Assert.Equal("EntraConfidentialClientInteractive", ex.ErrorId);
            Assert.Empty(user.Confirmations);
        }

        [Fact]
        public async Task AServicePrincipalNeedsExactlyOneCertificateSource()
        {
            var user = new FakeSignInUser();
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new ServicePrincipalSignIn().SignInAsync(
                Context(SignInMethod.ServicePrincipal, Entra(), r => { r.CertificateThumbprint = "AB"; r.CertificatePath = "/tmp/x.pfx"; }), user, CancellationToken.None));
            Assert.Equal("CertificateRequired", ex.ErrorId);
            Assert.Empty(user.Confirmations);
        }

        [Fact]
        public async Task ASuppliedTokenWithoutAnApplicationNeedsTheOrganization()
        {
            var user = new FakeSignInUser();
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => new SuppliedTokenSignIn().SignInAsync(
                Context(SignInMethod.AccessToken, null, r => r.AccessToken = "token".ToCharArray()), user, CancellationToken.None));
            Assert.Equal("OrganizationRequired", ex.ErrorId);
            Assert.Empty(user.Confirmations);
        }

        [Theory]
        [InlineData(false, false, false, false)]
        [InlineData(true, false, false, true)]
        [InlineData(false, true, false, true)]
        [InlineData(false, false, true, true)]
        public void OneRuleSaysWhatAConfidentialClientIs(bool secret, bool thumbprint, bool path, bool confidential)
        {
            AppRegistration registration = Entra();
            registration.ClientSecretName = secret ? "app-client-secret-x" : null;
            registration.CertificateThumbprint = thumbprint ? "AB12" : null;
            registration.CertificatePath = path ? "/etc/pfa/app.pfx" : null;
            Assert.Equal(confidential, EntraClient.IsConfidential(registration));
            Assert.Equal(confidential, new EntraTokenProvider(registration, new StateStore(StateScope.CurrentUser, _root)).IsConfidential);
        }

        [Fact]
        public void OrganizationChoiceTakesANumberANameOrEnter()
        {
            var names = new[] { "contoso", "fabrikam", "samplecorp" };
            var user = new FakeSignInUser { CanPrompt = true };
            user.Lines.Enqueue("nope");
            user.Lines.Enqueue("2");
            Assert.Equal("fabrikam", OrganizationChoice.Ask(names, user));
            Assert.Contains(user.Said, line => line.StartsWith("'nope' is not one of them", StringComparison.Ordinal));
            user.Lines.Enqueue("SAMPLECORP");
            Assert.Equal("samplecorp", OrganizationChoice.Ask(names, user));
            user.Lines.Enqueue(string.Empty);
            Assert.Equal("contoso", OrganizationChoice.Ask(names, user));
        }

        private sealed class NamedProvider : ISignInProvider
        {
            private readonly bool _canSignIn;

            public NamedProvider(string name, bool canSignIn)
            {
                Name = name;
                _canSignIn = canSignIn;
            }

            public string Name { get; }

            public int Asked { get; private set; }

            public bool CanSignIn(SignInContext context)
            {
                Asked++;
                return _canSignIn;
            }

            public Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken) => Task.FromResult<ConnectionDocument?>(null);
        }
    }
}

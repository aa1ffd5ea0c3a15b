using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Storage
{
    public sealed class StateStoreTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        private StateStore Store() => new StateStore(StateScope.CurrentUser, _root);

        private static AppRegistration Sample() => RegistrationService.Build(
            new RegistrationRequest
            {
                Provider = IdentityProvider.EntraId,
                ClientId = Guid.NewGuid(),
                InstanceUrl = new Uri("https://pfa.example.com/base/"),
            },
            DateTimeOffset.UtcNow);

        [Fact]
        public void WriteThenReadRoundTripsAndLeavesNoTemporaryFile()
        {
            StateStore store = Store();
            AppRegistration written = Sample();
            store.Write("doc.json", written, ownerOnly: true);

            AppRegistration? read = store.Read<AppRegistration>("doc.json", AppRegistration.DocumentKind, AppRegistration.CurrentVersion);

            Assert.NotNull(read);
            Assert.Equal(written.ClientId, read!.ClientId);
            Assert.Equal("https://pfa.example.com/base/oauth2/azureDevOps", read.CallbackUrl);
            Assert.Equal(new[] { "doc.json" }, Directory.GetFiles(_root).Select(Path.GetFileName).ToArray());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "doc.json")));
            }
        }

        [Fact]
        public void MissingDocumentReadsAsNull()
        {
            Assert.Null(Store().Read<AppRegistration>("absent.json", AppRegistration.DocumentKind, 1));
        }

        [Theory]
        [InlineData("{ not json", "StoreFileCorrupt")]
        [InlineData("[]", "StoreFileCorrupt")]
        [InlineData("{\"kind\":\"something.else\",\"schemaVersion\":1}", "StoreFileCorrupt")]
        [InlineData("{\"kind\":\"pfa.azuredevops.registration\",\"schemaVersion\":7}", "StoreVersionUnsupported")]
        [InlineData("{\"kind\":\"pfa.azuredevops.registration\",\"schemaVersion\":1}", "StoreFileCorrupt")]
        public void UnreadableDocumentsNameTheFileAndAreKept(string content, string errorId)
        {
            Directory.CreateDirectory(_root);
            string path = Path.Combine(_root, "doc.json");
            File.WriteAllText(path, content);

            PfaException error = Assert.Throws<PfaException>(() => Store().Read<AppRegistration>("doc.json", AppRegistration.DocumentKind, 1));

            Assert.Equal(errorId, error.ErrorId);
            Assert.Contains(path, error.Message);
            Assert.Equal(content, File.ReadAllText(path));
        }

        [Fact]
        public void LockExcludesASecondHolderUntilReleased()
        {
            StateStore store = Store();
            using (store.Lock("x"))
            {
                PfaException error = Assert.Throws<PfaException>(() => store.Lock("x", TimeSpan.FromMilliseconds(200)));
                Assert.Equal("StoreLockTimeout", error.ErrorId);
            }

            using (store.Lock("x", TimeSpan.FromMilliseconds(200)))
            {
            }
        }

        [Fact]
        public async Task ConcurrentWritersUnderTheLockNeverLoseAnUpdate()
        {
            StateStore store = Store();
            AppRegistration doc = Sample();
            doc.Scopes = new System.Collections.Generic.List<string> { "0" };
            store.Write("counter.json", doc, ownerOnly: false);

            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                for (int i = 0; i < 10; i++)
                {
                    using (store.Lock("counter"))
                    {
                        AppRegistration current = store.Read<AppRegistration>("counter.json", AppRegistration.DocumentKind, 1)!;
                        current.Scopes = new System.Collections.Generic.List<string> { (int.Parse(current.Scopes[0]) + 1).ToString() };
                        store.Write("counter.json", current, ownerOnly: false);
                    }
                }
            })));

            Assert.Equal("80", store.Read<AppRegistration>("counter.json", AppRegistration.DocumentKind, 1)!.Scopes[0]);
        }
    }

    public sealed class RegistrationRulesTests
    {
        [Theory]
        [InlineData("https://pfa.example.com", "https://pfa.example.com/oauth2/azureDevOps")]
        [InlineData("https://pfa.example.com/", "https://pfa.example.com/oauth2/azureDevOps")]
        [InlineData("https://pfa.example.com/base", "https://pfa.example.com/base/oauth2/azureDevOps")]
        [InlineData("https://pfa.example.com/base/", "https://pfa.example.com/base/oauth2/azureDevOps")]
        [InlineData("https://PFA.Example.com:8443/a/b/", "https://pfa.example.com:8443/a/b/oauth2/azureDevOps")]
        [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/oauth2/azureDevOps")]
        [InlineData("http://[::1]:8080/", "http://[::1]:8080/oauth2/azureDevOps")]
        public void CallbackIsTheInstanceUrlFollowedByTheFixedPath(string instance, string callback)
        {
            Assert.Equal(callback, RegistrationRules.CallbackFor(new Uri(instance)).AbsoluteUri);
        }

        [Theory]
        [InlineData("http://pfa.example.com")]
        [InlineData("ftp://pfa.example.com")]
        [InlineData("https://pfa.example.com/?a=1")]
        [InlineData("https://pfa.example.com/#x")]
        [InlineData("https://user:pw@pfa.example.com/")]
        [InlineData("http://localhost")]
        [InlineData("http://user:pw@127.0.0.1:5000/")]
        [InlineData("javascript:alert(1)")]
        public void BadInstanceUrlsAreRefused(string instance)
        {
            PfaException error = Assert.Throws<PfaException>(() => RegistrationRules.NormalizeInstanceUrl(new Uri(instance)));
            Assert.Equal("InvalidInstanceUrl", error.ErrorId);
            Assert.DoesNotContain("pw", error.Message);
        }

        [Theory]
        [InlineData("72F988BF-86F1-41AF-91AB-2D7CD011DB47", "72f988bf-86f1-41af-91ab-2d7cd011db47")]
        [InlineData("Contoso.OnMicrosoft.com", "contoso.onmicrosoft.com")]
        [InlineData("organizations", "organizations")]
        public void TenantsAreNormalised(string input, string expected)
        {
            Assert.Equal(expected, RegistrationRules.NormalizeTenant(input));
        }

        [Fact]
        public void RegistrationRefusesAnExpiredSecretAndAWhitespaceSecret()
        {
            var request = new RegistrationRequest { ClientId = Guid.NewGuid(), InstanceUrl = new Uri("https://pfa.example.com"), ClientSecret = "s".ToCharArray(), SecretExpiresOn = DateTimeOffset.UtcNow.AddMinutes(-1) };
            Assert.Equal("SecretAlreadyExpired", Assert.Throws<PfaException>(() => RegistrationService.Build(request, DateTimeOffset.UtcNow)).ErrorId);
            request.SecretExpiresOn = null;
            request.ClientSecret = " s".ToCharArray();
            Assert.Equal("ClientSecretWhitespace", Assert.Throws<PfaException>(() => RegistrationService.Build(request, DateTimeOffset.UtcNow)).ErrorId);
        }

        [Fact]
        public void ElevationIsRequiredForAllUsersWrites()
        {
            Elevation.Override = () => false;
            try
            {
                Assert.Equal("ElevationRequired", Assert.Throws<PfaException>(() => Elevation.RequireForWrite(StateScope.AllUsers, "x")).ErrorId);
                Elevation.RequireForWrite(StateScope.CurrentUser, "x");
            }
            finally
            {
                Elevation.Override = null;
            }
        }
    }
}

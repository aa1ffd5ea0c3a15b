using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.AzureDevOps;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Tests.OAuth;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.AzureDevOps
{
    public class SshKeyServiceTests
    {
        // An RSA 3072 public key made once by ssh-keygen 9.2 (MD5 87:19:de:75:...): these tests are about the REST calls around a
        // key, not about making one (SshKeyGeneratorTests are), so no run pays for generating RSA here.
        private static readonly SshPublicKey Rsa = SshPublicKey.Parse(
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCUhMvP5S2EAS9wIiZJLo/3luvs3wx3A3PWvat/Xm6bNydaCMO5qPo9bH7cY7+uQnGflhlcT/pPRJlrabIWcjqV+FDrubEwwW7m1BaJKlfwmvx4Gz3XYhCAJ2GOCDcHL0laGaqiQRm3DaW3ooEQG/90SY6QRYCjNB5+gnRRjo9YjSB+e5QAt/fYkdY6NYxyAgLj4e7hM4CU9WSrHhyyNf06MaDAZiL76O1OYwIpuVx4FFXGxkSohdYJBsqj9gUgns1EkMZHoaCyvSb813BsCFAWGek7N0BzFYRirRflq7YXn97TfRB2iPfPWa3XTTS2ucghe3YZVRqFI3HjjsQJ+g5M83F6PcQ/BQRt7QnHNZrFGnT6g3v3g0R+Cnol2/qvDqaJ8QWIfEo+IVcLcI64ArqP3j16T3bbjhCj3hSTEHi7FVulES0xw46Nfa67d00AXgvEk1+blu3YeaRH+446KuoOs0a7X0rS1hoJdxlDYhymW57kzmayreim/ejBPpuyJKU= t@host");
        private static readonly Guid InstanceId = Guid.Parse("3c9a8e2d-1111-4a5b-9c3d-0123456789ab");
        private static readonly AuthenticationHeaderValue Bearer = new AuthenticationHeaderValue("Bearer", "tok");

        private static SshKeyEndpoints Hosted => SshKeyEndpoints.Resolve("samplecorp", null, null, null);

        private static (SshKeyService Service, ScriptedHandler Handler) Create(ScriptedHandler handler) =>
            (new SshKeyService(new AzureDevOpsRestClient(new HttpMessageInvoker(handler), Fakes.Options(new List<TimeSpan>()))), handler);

        private static string Empty => "{\"count\":0,\"value\":[]}";

        private static string Provider(string inner) =>
            "{\"dataProviderSharedData\":{},\"dataProviders\":{\"ms.vss-web.component-data\":{},\"" + SshKeyService.ProviderId + "\":" + inner + "}}";

        private static string Refusal(string name, string message) =>
            "{\"dataProviders\":{\"" + SshKeyService.ProviderId + "\":null},\"dataProviderExceptions\":{\"" + SshKeyService.ProviderId + "\":{\"exceptionType\":\"SessionTokenException\",\"message\":" + JsonSerializer.Serialize(message) + ",\"stackTrace\":null,\"sessionTokenError\":\"" + name + "\"}}}";

        [Fact]
        public void HostedUrls()
        {
            SshKeyEndpoints e = Hosted;
            Assert.Equal("https://dev.azure.com/samplecorp", e.OrganizationUrl.AbsoluteUri);
            Assert.Equal("https://vssps.dev.azure.com/samplecorp", e.VsspsUrl.AbsoluteUri);
        }

        [Fact]
        public void OneOriginServerUrlsAndOverrides()
        {
            var connection = new ConnectionDocument { Organization = "samplecorp", OrganizationUrl = "http://127.0.0.1:5000/samplecorp", AuthorizationServer = "http://127.0.0.1:5000" };
            SshKeyEndpoints e = SshKeyEndpoints.Resolve(null, null, null, connection);
            Assert.Equal("samplecorp", e.Organization);
            // Not the hosted service: the key endpoints are under the organization (collection) URL, as on Azure DevOps Server.
            Assert.Equal("http://127.0.0.1:5000/samplecorp", e.VsspsUrl.AbsoluteUri);
            SshKeyEndpoints other = SshKeyEndpoints.Resolve("nossh", null, null, connection);
            Assert.Equal("http://127.0.0.1:5000/nossh", other.OrganizationUrl.AbsoluteUri);
            Assert.Equal("http://127.0.0.1:5000/nossh", other.VsspsUrl.AbsoluteUri);
            SshKeyEndpoints server = SshKeyEndpoints.Resolve(null, new Uri("https://tfs.example.com/tfs/DefaultCollection/"), null, null);
            Assert.Equal("DefaultCollection", server.Organization);
            Assert.Equal("https://tfs.example.com/tfs/DefaultCollection", server.VsspsUrl.AbsoluteUri);
            SshKeyEndpoints bare = SshKeyEndpoints.Resolve(null, new Uri("https://ado.example.com/DefaultCollection"), null, null);
            Assert.Equal("https://ado.example.com/DefaultCollection", bare.VsspsUrl.AbsoluteUri);
            // Another organization next to the connection's: a sibling collection of the same server, under its path.
            var onServer = new ConnectionDocument { Organization = "DefaultCollection", OrganizationUrl = "https://tfs.example.com/tfs/DefaultCollection", AuthorizationServer = RegistrationRules.DefaultAzureDevOpsAuthorizationServer };
            SshKeyEndpoints sibling = SshKeyEndpoints.Resolve("OtherCollection", null, null, onServer);
            Assert.Equal("https://tfs.example.com/tfs/OtherCollection", sibling.OrganizationUrl.AbsoluteUri);
            Assert.Equal(sibling.OrganizationUrl, sibling.VsspsUrl);
            var hosted = new ConnectionDocument { Organization = "samplecorp", OrganizationUrl = "https://dev.azure.com/samplecorp", AuthorizationServer = RegistrationRules.DefaultAzureDevOpsAuthorizationServer };
            Assert.Equal("https://vssps.dev.azure.com/contoso", SshKeyEndpoints.Resolve("contoso", null, null, hosted).VsspsUrl.AbsoluteUri);
            Assert.Equal("InvalidOrganization", Assert.Throws<PfaException>(() => SshKeyEndpoints.Resolve("a/b", null, null, onServer)).ErrorId);
            SshKeyEndpoints legacy = SshKeyEndpoints.Resolve(null, new Uri("https://samplecorp.visualstudio.com"), null, null);
            Assert.Equal("https://samplecorp.vssps.visualstudio.com/", legacy.VsspsUrl.AbsoluteUri);
            SshKeyEndpoints overridden = SshKeyEndpoints.Resolve("x", new Uri("https://ado.example.com/tfs/x"), new Uri("https://ado.example.com/tfs/_vssps"), null);
            Assert.Equal("https://ado.example.com/tfs/_vssps", overridden.VsspsUrl.AbsoluteUri);
            Assert.Equal("AzDevOpsOrganizationUnknown", Assert.Throws<PfaException>(() => SshKeyEndpoints.Resolve(null, null, null, null)).ErrorId);
        }

        [Fact]
        public async Task AddSendsTheReferenceBodyAfterConnectionData()
        {
            DateTimeOffset validTo = new DateTimeOffset(2027, 11, 29, 0, 0, 0, TimeSpan.Zero);
            string created = "{\"authorizationId\":\"0b5a3a4e-2222-4b6c-8d7e-0123456789ab\",\"displayName\":\"d\",\"publicData\":" + JsonSerializer.Serialize(Rsa.Line) + ",\"validFrom\":\"2026-11-29T00:00:00Z\",\"validTo\":\"2027-11-29T00:00:00Z\",\"isValid\":true,\"isPublic\":true}";
            var (service, handler) = Create(new ScriptedHandler()
                .Then(HttpStatusCode.OK, Empty)
                .Then(HttpStatusCode.OK, "{\"instanceId\":\"" + InstanceId + "\"}")
                .Then(HttpStatusCode.OK, Provider(created)));
            AzureDevOpsSshKey key = await service.AddAsync(Hosted, Bearer, new SshKeyAddRequest(Rsa, "d", validTo), null, CancellationToken.None);
            Assert.False(key.AlreadyPresent);
            Assert.Equal(Rsa.Md5Fingerprint, key.Md5Fingerprint);
            Assert.Equal("https://vssps.dev.azure.com/samplecorp/_apis/Token/SessionTokens?isPublic=true&includePublicData=true&api-version=7.0-preview.1", handler.Requests[0].RequestUri!.AbsoluteUri);
            Assert.Equal("https://dev.azure.com/samplecorp/_apis/connectionData", handler.Requests[1].RequestUri!.AbsoluteUri);
            HttpRequestMessage post = handler.Requests[2];
            Assert.Equal(HttpMethod.Post, post.Method);
            Assert.Equal("https://dev.azure.com/samplecorp/_apis/Contribution/HierarchyQuery", post.RequestUri!.AbsoluteUri);
            Assert.Contains(post.Headers.Accept, a => a.MediaType == "application/json" && a.Parameters.Any(p => p.Name == "api-version" && p.Value == "5.0-preview.1"));
            using JsonDocument body = JsonDocument.Parse(handler.Bodies[2]!);
            Assert.Equal(SshKeyService.ProviderId, body.RootElement.GetProperty("contributionIds")[0].GetString());
            JsonElement p = body.RootElement.GetProperty("dataProviderContext").GetProperty("properties");
            Assert.Equal("d", p.GetProperty("displayName").GetString());
            Assert.Equal(Rsa.Line, p.GetProperty("publicData").GetString());
            Assert.Equal("2027-11-29T00:00:00.000Z", p.GetProperty("validTo").GetString());
            Assert.Equal("app_token", p.GetProperty("scope").GetString());
            Assert.True(p.GetProperty("isPublic").GetBoolean());
            Assert.Equal(InstanceId.ToString(), p.GetProperty("targetAccounts")[0].GetString());
        }

        [Fact]
        public async Task AddFindsTheSameKeyAlreadyThere()
        {
            string list = "{\"count\":1,\"value\":[{\"authorizationId\":\"0b5a3a4e-2222-4b6c-8d7e-0123456789ab\",\"displayName\":\"old\",\"publicData\":" + JsonSerializer.Serialize(Rsa.WithComment("other").Line) + ",\"validTo\":\"2099-01-01T00:00:00Z\",\"isValid\":true,\"isPublic\":true}]}";
            var (service, handler) = Create(new ScriptedHandler().Then(HttpStatusCode.OK, list));
            AzureDevOpsSshKey key = await service.AddAsync(Hosted, Bearer, new SshKeyAddRequest(Rsa, "new", DateTimeOffset.UtcNow.AddDays(30)), null, CancellationToken.None);
            Assert.True(key.AlreadyPresent);
            Assert.Equal("old", key.DisplayName);
            Assert.Single(handler.Requests);
        }

        [Theory]
        [InlineData("duplicateHash", "The SSH public key is already in use.", "AzDevOpsSshKeyAlreadyInUse")]
        [InlineData("sshPolicyDisabled", "SSH keys are disabled on this organization.", "AzDevOpsSshKeysDisabled")]
        [InlineData("displayNameRequired", "displayName is required.", "AzDevOpsSshKeyInvalidDescription")]
        [InlineData("invalidDisplayName", "Invalid displayName.", "AzDevOpsSshKeyInvalidDescription")]
        [InlineData("invalidPublicKey", "Invalid key: bad. Valid keys will start with \"ssh-rsa\".", "AzDevOpsSshKeyInvalid")]
        [InlineData("", "The SSH public key is already in use.", "AzDevOpsSshKeyAlreadyInUse")]
        [InlineData("somethingNew", "Something else.", "AzDevOpsSshKeyRefused")]
        public async Task ServerRefusalsBecomeErrorIds(string name, string message, string errorId)
        {
            var (service, _) = Create(new ScriptedHandler()
                .Then(HttpStatusCode.OK, Empty)
                .Then(HttpStatusCode.OK, "{\"instanceId\":\"" + InstanceId + "\"}")
                .Then(HttpStatusCode.OK, Refusal(name, message)));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => service.AddAsync(Hosted, Bearer, new SshKeyAddRequest(Rsa, "d", DateTimeOffset.UtcNow.AddDays(30)), null, CancellationToken.None));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Contains(message, ex.Message);
        }

        [Theory]
        [InlineData(HttpStatusCode.NonAuthoritativeInformation, "<html>sign in</html>", "text/html")]
        [InlineData(HttpStatusCode.Unauthorized, "{\"message\":\"TF400813: Resource not available for anonymous access. Client authentication required.\"}", "application/json")]
        [InlineData(HttpStatusCode.Unauthorized, "{\"message\":\"TF400813: The user 'x' is not authorized to access this resource.\"}", "application/json")]
        public async Task UnauthenticatedSaysWhatToDo(HttpStatusCode status, string body, string mediaType)
        {
            var (service, _) = Create(new ScriptedHandler().Then(status, body, mediaType));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => service.ListAsync(Hosted, Bearer, CancellationToken.None));
            Assert.Equal("AzDevOpsSshKeyTokenRefused", ex.ErrorId);
            Assert.Contains("-PersonalAccessToken", ex.Message);
            Assert.DoesNotContain("tok", ex.Message.Replace("token", string.Empty).Replace("Tokens", string.Empty));

            // The cause, then what to do, in a few lines (it once ran to 1,072 characters).
            Assert.True(ex.Message.Length <= 420, $"{ex.Message.Length} characters: {ex.Message}");
            Assert.True(ex.Message.Split('\n').Length <= 3, ex.Message);
        }

        [Fact]
        public void LocalChecks()
        {
            SshPublicKey ed = SshKeyGenerator.Generate(SshKeyType.Ed25519, 256, "e", CancellationToken.None).PublicKey;
            PfaException notRsa = Assert.Throws<PfaException>(() => SshKeyService.CheckLocally(ed.Line));
            Assert.Equal("AzDevOpsSshKeyNotRsa", notRsa.ErrorId);
            Assert.Contains("ssh-ed25519", notRsa.Message);
            Assert.Equal(ErrorIds.SshPublicKeyMalformed, Assert.Throws<PfaException>(() => SshKeyService.CheckLocally("ssh-rsa !!!")).ErrorId);
            Assert.Equal(ErrorIds.SshPublicKeyIsPrivate, Assert.Throws<PfaException>(() => SshKeyService.CheckLocally("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----")).ErrorId);
            Assert.Equal("AzDevOpsSshKeyInvalidDescription", Assert.Throws<PfaException>(() => SshKeyService.CheckDisplayName(new string('x', 257))).ErrorId);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            Assert.Equal(now.AddDays(365), SshKeyService.CheckExpiry(null, now, out bool longer));
            Assert.False(longer);
            SshKeyService.CheckExpiry(now.AddYears(2), now, out longer);
            Assert.True(longer);
            Assert.Equal("AzDevOpsSshKeyInvalidExpiry", Assert.Throws<PfaException>(() => SshKeyService.CheckExpiry(now.AddDays(-1), now, out _)).ErrorId);
        }

        [Fact]
        public void PersonalAccessTokenIsBasicWithEmptyUser()
        {
            AuthenticationHeaderValue header = AzureDevOpsRestClient.PersonalAccessTokenHeader("pat");
            Assert.Equal("Basic", header.Scheme);
            Assert.Equal(":pat", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!)));
        }
    }
}

using System;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.SignIn.Entra;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    /// <summary>
    /// The one managed identity scenario of this test process (MSAL keeps the detected source and its token per process):
    /// App Service style IDENTITY_ENDPOINT/IDENTITY_HEADER pointing at the emulator.
    /// </summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(EmulatorCollection.Name)]
    public sealed class EntraManagedIdentityTests : EntraTestBase
    {
        public EntraManagedIdentityTests(EmulatorFixture emulator)
            : base(emulator)
        {
        }

        [Fact]
        public async Task Managed_identity_token_from_the_App_Service_endpoint()
        {
            Guid tenant = await NewTenantAsync();
            string org = await NewOrgAsync(tenant);
            Emulator.Client.DefaultRequestHeaders.Clear();
            JsonElement mi = await Emulator.ControlAsync("POST", "/_test/entra/managed-identities", new { tenant = tenant.ToString() });
            string endpoint = Emulator.HttpUrl + "/_entra/msi/token";
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", endpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", mi.GetProperty("identityHeader").GetString());
            try
            {
                EntraToken token = await EntraTokenProvider.AcquireForManagedIdentityAsync(null, Options());
                Assert.Equal(EntraFlow.ManagedIdentity, token.Flow);
                Assert.Equal(tenant.ToString(), token.TenantId);
                Assert.Equal(mi.GetProperty("objectId").GetGuid().ToString(), token.ObjectId);
                (HttpStatusCode status, Guid? who) = await ConnectionDataAsync(org, token.AccessToken);
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal(mi.GetProperty("objectId").GetGuid(), who);
            }
            finally
            {
                Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
                Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
            }
        }
    }
}

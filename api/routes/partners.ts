// /v1/partners, /v1/directory, /v1/catalog.
import { z } from 'zod';
import { catalog } from '../../domain/catalog';
import { PartnerProfile } from '../../domain/schemas';
import { partnerWorkflowId } from '../../workflows/messages';
import type { Role } from '../auth';
import {
  assertMayManage,
  assertMayRead,
  directory,
  enroll,
  putProfile,
  readEligibility,
  readPartner,
} from '../partners';
import { defineRoute, type RouteDef } from '../router';
import {
  CatalogSchema,
  DirectoryQuery,
  DirectorySchema,
  EligibilityMatrixSchema,
  EmptyQuery,
  EnrollmentBody,
  EnrollmentParams,
  PartnerIdParams,
  PartnerStateSchema,
} from '../schemas';

const ALL: Role[] = ['backoffice', 'operator', 'partner'];
const PARTNERS = 'Partners';

const RenewalRequest = z
  .strictObject({})
  .meta({ id: 'RenewalRequest', description: 'Empty; the offering is in the path. The body may be omitted.' });

export const partnerRoutes: RouteDef[] = [
  defineRoute({
    method: 'put',
    path: '/v1/partners/{partnerId}',
    operationId: 'putPartnerProfile',
    summary: "Create or replace a partner's profile",
    description:
      'Creates the partner entity (workflow `partner-<partnerId>`) with this profile, or replaces the profile of an existing one.',
    tags: [PARTNERS],
    auth: ['backoffice'],
    params: PartnerIdParams,
    body: PartnerProfile,
    responses: {
      201: { description: 'Created', schema: PartnerStateSchema },
      200: { description: 'Replaced', schema: PartnerStateSchema },
    },
    errors: [422],
    temporal: true,
    handler: async ({ params, body, principal, app, log, res }) => {
      res.locals.workflowId = partnerWorkflowId(params.partnerId);
      const result = await putProfile(app, principal, params.partnerId, body, log);
      return {
        status: result.created ? 201 : 200,
        body: result.state,
        headers: { 'Content-Location': `/v1/partners/${encodeURIComponent(params.partnerId)}` },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/partners/{partnerId}',
    operationId: 'getPartner',
    summary: 'A partner: profile and enrollments',
    description: 'Back-office and operators read any partner; a partner only itself.',
    tags: [PARTNERS],
    auth: ALL,
    params: PartnerIdParams,
    responses: { 200: { description: 'The partner', schema: PartnerStateSchema } },
    errors: [404],
    temporal: true,
    handler: async ({ params, principal, app, res }) => {
      assertMayRead(principal, params.partnerId);
      res.locals.workflowId = partnerWorkflowId(params.partnerId);
      return { status: 200, body: await readPartner(app, params.partnerId) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/partners/{partnerId}/eligibility',
    operationId: 'getPartnerEligibility',
    summary: "The partner's eligibility matrix",
    description:
      'For every engagement type of the catalog: eligible at the time of the request or not, with the unmet requirements named.',
    tags: [PARTNERS],
    auth: ALL,
    params: PartnerIdParams,
    responses: { 200: { description: 'The eligibility matrix', schema: EligibilityMatrixSchema } },
    errors: [404],
    temporal: true,
    handler: async ({ params, principal, app, res }) => {
      assertMayRead(principal, params.partnerId);
      res.locals.workflowId = partnerWorkflowId(params.partnerId);
      return { status: 200, body: await readEligibility(app, params.partnerId) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/partners/{partnerId}/enrollments',
    operationId: 'enroll',
    summary: 'Enroll in an offering',
    description:
      'Needs a competency that qualifies for at least one engagement type of the offering (else 422). Lasts one year.',
    tags: [PARTNERS],
    auth: ['backoffice', 'partner'],
    params: PartnerIdParams,
    body: EnrollmentBody,
    responses: {
      201: {
        description: 'Enrolled: the partner',
        schema: PartnerStateSchema,
        headers: { Location: { description: 'The partner', schema: { type: 'string' } } },
      },
    },
    errors: [404, 409, 422],
    temporal: true,
    handler: async ({ params, body, principal, app, log, res }) => {
      assertMayManage(principal, params.partnerId);
      res.locals.workflowId = partnerWorkflowId(params.partnerId);
      const state = await enroll(app, principal, params.partnerId, body, false, log);
      return {
        status: 201,
        body: state,
        headers: { Location: `/v1/partners/${encodeURIComponent(params.partnerId)}` },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/partners/{partnerId}/enrollments/{offering}/renewal',
    operationId: 'renewEnrollment',
    summary: 'Renew an enrollment',
    description:
      'Possible from 90 days before the enrollment lapses, with a competency still valid that qualifies for an engagement type of the offering (else 422 `ENROLLMENT_NO_QUALIFYING_COMPETENCY`); extends it by a year.',
    tags: [PARTNERS],
    auth: ['backoffice', 'partner'],
    params: EnrollmentParams,
    body: RenewalRequest,
    responses: { 200: { description: 'Renewed: the partner', schema: PartnerStateSchema } },
    errors: [404, 409, 422],
    temporal: true,
    handler: async ({ params, principal, app, log, res }) => {
      assertMayManage(principal, params.partnerId);
      res.locals.workflowId = partnerWorkflowId(params.partnerId);
      return {
        status: 200,
        body: await enroll(app, principal, params.partnerId, { offering: params.offering }, true, log),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/directory',
    operationId: 'getDirectory',
    summary: 'Partner directory',
    description: 'Partners with an active enrollment in `offering` and a location in `country` (both optional).',
    tags: ['Directory and catalog'],
    auth: ALL,
    query: DirectoryQuery,
    responses: { 200: { description: 'Matching partners, by name', schema: DirectorySchema } },
    temporal: true,
    handler: async ({ query, app, log }) => ({ status: 200, body: { items: await directory(app, query, log) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/catalog',
    operationId: 'getCatalog',
    summary: 'The program catalog',
    description:
      'Offerings, engagement types with their stable codes, allowed lengths (days) and qualifying competencies.',
    tags: ['Directory and catalog'],
    auth: ALL,
    query: EmptyQuery,
    responses: { 200: { description: 'The catalog', schema: CatalogSchema } },
    handler: () => ({
      status: 200,
      body: {
        offerings: catalog.offerings.map((o) => ({
          code: o.code,
          name: o.name,
          engagementTypes: o.engagementTypes.map((t) => ({
            code: t.code,
            name: t.name,
            allowedDays: t.allowedDays,
            qualifyingCompetencies: t.qualifyingCompetencies,
          })),
        })),
      },
    }),
  }),
];

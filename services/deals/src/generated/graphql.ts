import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import { PipelineDoc, StageDoc } from '../modules/pipeline/pipeline.model';
import { DealDoc, StageChangeView } from '../modules/deal/deal.model';
import { CompanyRef } from '../modules/company/company.resolvers';
import { DealsContext } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date and time in UTC. */
  DateTime: { input: Date; output: Date; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** Owned by the contacts service; deals adds the company's deals. */
export type Company = {
  __typename?: 'Company';
  /** Newest first. */
  deals: Array<Deal>;
  id: Scalars['ID']['output'];
};

export type CreateDealInput = {
  amount: Scalars['Float']['input'];
  companyId: Scalars['ID']['input'];
  currency: Scalars['String']['input'];
  /** Defaults to the caller. */
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  pipelineId: Scalars['ID']['input'];
  title: Scalars['String']['input'];
};

export type CreatePipelineInput = {
  name: Scalars['String']['input'];
  /** In order; at least one. */
  stages: Array<StageInput>;
};

/** A sales opportunity with a company, moving through a pipeline. */
export type Deal = {
  __typename?: 'Deal';
  amount: Scalars['Float']['output'];
  company?: Maybe<Company>;
  createdAt: Scalars['DateTime']['output'];
  /** ISO 4217, for instance EUR. */
  currency: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** The responsible manager (a user id). */
  ownerId: Scalars['ID']['output'];
  pipeline: Pipeline;
  stage: Stage;
  /** Oldest first, starting with the stage the deal was created in. */
  stageHistory: Array<StageChange>;
  status: DealStatus;
  title: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export enum DealStatus {
  Lost = 'LOST',
  Open = 'OPEN',
  Won = 'WON'
}

export type Mutation = {
  __typename?: 'Mutation';
  /** The deal starts OPEN in the pipeline's first stage. */
  createDeal: Deal;
  /** Admins and heads of sales only. */
  createPipeline: Pipeline;
  moveDealToStage: Deal;
};


export type MutationCreateDealArgs = {
  input: CreateDealInput;
};


export type MutationCreatePipelineArgs = {
  input: CreatePipelineInput;
};


export type MutationMoveDealToStageArgs = {
  id: Scalars['ID']['input'];
  stageId: Scalars['ID']['input'];
};

/** A sales funnel: the ordered stages a deal goes through. */
export type Pipeline = {
  __typename?: 'Pipeline';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  stages: Array<Stage>;
};

export type Query = {
  __typename?: 'Query';
  deal?: Maybe<Deal>;
  pipeline?: Maybe<Pipeline>;
  pipelines: Array<Pipeline>;
};


export type QueryDealArgs = {
  id: Scalars['ID']['input'];
};


export type QueryPipelineArgs = {
  id: Scalars['ID']['input'];
};

/** A stage of a pipeline: one step of the company's own customer path. */
export type Stage = {
  __typename?: 'Stage';
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** 0 for the first stage. */
  position: Scalars['Int']['output'];
  /** Chance to win a deal in this stage, 0..1 (for the weighted forecast). */
  probability: Scalars['Float']['output'];
};

/** A move of a deal from one stage to another. */
export type StageChange = {
  __typename?: 'StageChange';
  /** Null for the stage a deal was created in. */
  from?: Maybe<Stage>;
  movedAt: Scalars['DateTime']['output'];
  movedBy: Scalars['ID']['output'];
  to: Stage;
};

export type StageInput = {
  name: Scalars['String']['input'];
  /** 0..1 */
  probability: Scalars['Float']['input'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Company: Company;
  Deal: Deal;
  Pipeline: Pipeline;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Company:
    ( { __typename: 'Company' }
    & GraphQLRecursivePick<FederationTypes['Company'], {"id":true}> );
  Deal:
    ( { __typename: 'Deal' }
    & GraphQLRecursivePick<FederationTypes['Deal'], {"id":true}> );
  Pipeline:
    ( { __typename: 'Pipeline' }
    & GraphQLRecursivePick<FederationTypes['Pipeline'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Company: ResolverTypeWrapper<CompanyRef>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CreateDealInput: CreateDealInput;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  CreatePipelineInput: CreatePipelineInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Deal: ResolverTypeWrapper<DealDoc>;
  DealStatus: DealStatus;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Pipeline: ResolverTypeWrapper<PipelineDoc>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Stage: ResolverTypeWrapper<StageDoc>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  StageChange: ResolverTypeWrapper<StageChangeView>;
  StageInput: StageInput;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Company: CompanyRef;
  ID: Scalars['ID']['output'];
  CreateDealInput: CreateDealInput;
  Float: Scalars['Float']['output'];
  String: Scalars['String']['output'];
  CreatePipelineInput: CreatePipelineInput;
  DateTime: Scalars['DateTime']['output'];
  Deal: DealDoc;
  Mutation: Record<PropertyKey, never>;
  Pipeline: PipelineDoc;
  Query: Record<PropertyKey, never>;
  Stage: StageDoc;
  Int: Scalars['Int']['output'];
  StageChange: StageChangeView;
  StageInput: StageInput;
  Boolean: Scalars['Boolean']['output'];
}>;

export type CompanyResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Company'] = ResolversParentTypes['Company'], FederationReferenceType extends FederationReferenceTypes['Company'] = FederationReferenceTypes['Company']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Company']> | FederationReferenceType, FederationReferenceType, ContextType>;
  deals?: Resolver<Array<ResolversTypes['Deal']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DealResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Deal'] = ResolversParentTypes['Deal'], FederationReferenceType extends FederationReferenceTypes['Deal'] = FederationReferenceTypes['Deal']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Deal']> | FederationReferenceType, FederationReferenceType, ContextType>;
  amount?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  company?: Resolver<Maybe<ResolversTypes['Company']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ownerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  pipeline?: Resolver<ResolversTypes['Pipeline'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['Stage'], ParentType, ContextType>;
  stageHistory?: Resolver<Array<ResolversTypes['StageChange']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['DealStatus'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  createDeal?: Resolver<ResolversTypes['Deal'], ParentType, ContextType, RequireFields<MutationCreateDealArgs, 'input'>>;
  createPipeline?: Resolver<ResolversTypes['Pipeline'], ParentType, ContextType, RequireFields<MutationCreatePipelineArgs, 'input'>>;
  moveDealToStage?: Resolver<ResolversTypes['Deal'], ParentType, ContextType, RequireFields<MutationMoveDealToStageArgs, 'id' | 'stageId'>>;
}>;

export type PipelineResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Pipeline'] = ResolversParentTypes['Pipeline'], FederationReferenceType extends FederationReferenceTypes['Pipeline'] = FederationReferenceTypes['Pipeline']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Pipeline']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stages?: Resolver<Array<ResolversTypes['Stage']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  deal?: Resolver<Maybe<ResolversTypes['Deal']>, ParentType, ContextType, RequireFields<QueryDealArgs, 'id'>>;
  pipeline?: Resolver<Maybe<ResolversTypes['Pipeline']>, ParentType, ContextType, RequireFields<QueryPipelineArgs, 'id'>>;
  pipelines?: Resolver<Array<ResolversTypes['Pipeline']>, ParentType, ContextType>;
}>;

export type StageResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['Stage'] = ResolversParentTypes['Stage']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  position?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  probability?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type StageChangeResolvers<ContextType = DealsContext, ParentType extends ResolversParentTypes['StageChange'] = ResolversParentTypes['StageChange']> = ResolversObject<{
  from?: Resolver<Maybe<ResolversTypes['Stage']>, ParentType, ContextType>;
  movedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  movedBy?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['Stage'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = DealsContext> = ResolversObject<{
  Company?: CompanyResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Deal?: DealResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Pipeline?: PipelineResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Stage?: StageResolvers<ContextType>;
  StageChange?: StageChangeResolvers<ContextType>;
}>;

